using RandomDemo.Contracts;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Tests.Infrastructure;
using StackExchange.Redis;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// The shared event log against a real Redis: one producer at a time, ids that never go back, and a log
/// Redis holds nothing of taking appends only after its grace period, once readers told it what they sent.
/// </summary>
public sealed class RedisEventLogTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);

    /// <summary>Never over during a test by itself: a test ends it by removing its key, as its expiry does.</summary>
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(10);

    /// <summary>The grace period's key (<c>EventLog:Name</c> + <c>:grace</c>): it expires when the period is over.</summary>
    private static readonly RedisKey GraceKey = "test:grace";

    private readonly RedisServer _redis = new();
    private ConnectionMultiplexer _connection = null!;
    private RedisEventLog _log = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _log = new RedisEventLog(_connection, "test", capacity: 5, GracePeriod);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Only_one_replica_holds_the_lease_and_only_it_can_append()
    {
        await OpenLogAsync();
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.False(await _log.HoldLeaseAsync("b", LeaseTtl));
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));

        Assert.Equal(Appended(1), await _log.AppendAsync("a", Point(10), minimumId: 1));
        Assert.Equal(AppendStatus.NotProducer, (await _log.AppendAsync("b", Point(11), minimumId: 1)).Status);
        Assert.Equal([1L], (await _log.ReadAfterAsync(0)).Select(entry => entry.Id));
    }

    [Fact]
    public async Task A_new_producer_continues_the_ids_after_an_expired_or_released_lease()
    {
        await OpenLogAsync();
        Assert.True(await _log.HoldLeaseAsync("a", TimeSpan.FromMilliseconds(200)));
        Assert.Equal(Appended(1), await _log.AppendAsync("a", Point(1), minimumId: 1));
        Assert.Equal(Appended(2), await _log.AppendAsync("a", Point(2), minimumId: 2));

        // a stops renewing (dead or paused): b takes over once the lease expires, and its own idea of
        // the next id (1) does not take ids back.
        await Eventually.UntilAsync(() => _log.HoldLeaseAsync("b", LeaseTtl), held => held, TimeSpan.FromSeconds(10), "b to take the lease");
        Assert.Equal(AppendStatus.NotProducer, (await _log.AppendAsync("a", Point(3), minimumId: 3)).Status);
        Assert.Equal(Appended(3), await _log.AppendAsync("b", Point(3), minimumId: 1));

        await _log.ReleaseLeaseAsync("b");
        Assert.True(await _log.HoldLeaseAsync("c", LeaseTtl));
        Assert.Equal(Appended(4), await _log.AppendAsync("c", Point(4), minimumId: 1));
        Assert.Equal([1L, 2, 3, 4], (await _log.ReadAfterAsync(0)).Select(entry => entry.Id));
    }

    [Fact]
    public async Task Points_come_back_as_written_after_an_id_and_the_log_keeps_its_capacity()
    {
        await OpenLogAsync();
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));
        for (var value = 1; value <= 8; value++)
        {
            await _log.AppendAsync("a", Point(value), minimumId: 1);
        }

        var entries = await _log.ReadAfterAsync(0);
        Assert.Equal([4L, 5, 6, 7, 8], entries.Select(entry => entry.Id));
        Assert.Equal([4, 5, 6, 7, 8], entries.Select(entry => entry.Point.NumericValue));
        Assert.Equal([7L, 8], (await _log.ReadAfterAsync(6)).Select(entry => entry.Id));
        Assert.Empty(await _log.ReadAfterAsync(8));
    }

    [Fact]
    public async Task After_redis_lost_the_stream_ids_go_on_from_the_producers_own()
    {
        await OpenLogAsync();
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.Equal(Appended(1), await _log.AppendAsync("a", Point(1), minimumId: 1));

        _redis.Kill();
        await _redis.StartAsync();
        await Eventually.UntilAsync(() => _connection.IsConnected, connected => connected, TimeSpan.FromSeconds(15), "the client to reconnect");

        // The log is lost: no append until a replica has read it (and its grace period is over).
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.Equal(AppendStatus.InGrace, (await _log.AppendAsync("a", Point(2), minimumId: 42)).Status);
        Assert.Empty(await _log.ReadAfterAsync(1));
        await EndGracePeriodAsync();
        Assert.Equal(Appended(42), await _log.AppendAsync("a", Point(2), minimumId: 42));
    }

    [Fact]
    public async Task After_redis_came_back_from_an_older_snapshot_ids_go_above_what_any_reader_has_sent()
    {
        await OpenLogAsync();
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));
        for (var value = 1; value <= 5; value++)
        {
            if (value == 4)
            {
                await _redis.SaveSnapshotAsync();
            }

            await _log.AppendAsync("a", Point(value), minimumId: 1);
        }

        Assert.Equal(5, (await _log.ReadAfterAsync(0))[^1].Id);
        _redis.Kill();
        await _redis.StartAsync();
        await Eventually.UntilAsync(() => _connection.IsConnected, connected => connected, TimeSpan.FromSeconds(15), "the client to reconnect");

        // A producer that had seen ids up to 3 only: the log is not open on this Redis run yet.
        await _log.ReleaseLeaseAsync("a");
        Assert.True(await _log.HoldLeaseAsync("b", LeaseTtl));
        Assert.Equal(AppendStatus.InGrace, (await _log.AppendAsync("b", Point(6), minimumId: 4)).Status);

        // The first read finds ids 1-3 again and opens the log; a replica that had sent 5 tells it in the grace period.
        Assert.Equal([1L, 2, 3], (await _log.ReadAfterAsync(0)).Select(entry => entry.Id));
        Assert.Empty(await _log.ReadAfterAsync(5));
        Assert.Equal(AppendStatus.InGrace, (await _log.AppendAsync("b", Point(6), minimumId: 4)).Status);
        await EndGracePeriodAsync();
        Assert.Equal(Appended(6), await _log.AppendAsync("b", Point(6), minimumId: 4));
    }

    [Fact]
    public async Task A_log_redis_holds_nothing_of_takes_appends_after_its_grace_period_above_what_any_reader_has_sent()
    {
        // A new log, or one Redis lost: the producer (which had sent 50) holds the lease, but no replica has read the log yet.
        Assert.True(await _log.HoldLeaseAsync("b", LeaseTtl));
        Assert.Equal(AppendStatus.InGrace, (await _log.AppendAsync("b", Point(1), minimumId: 51)).Status);

        // The first read starts the grace period; the readers had sent 57 and 12.
        await _log.ReadAfterAsync(57);
        await _log.ReadAfterAsync(12);
        Assert.Equal(AppendStatus.InGrace, (await _log.AppendAsync("b", Point(1), minimumId: 51)).Status);
        var remaining = await _connection.GetDatabase().KeyTimeToLiveAsync(GraceKey);
        Assert.True(remaining > TimeSpan.Zero && remaining <= GracePeriod, $"grace period left: {remaining}");

        await EndGracePeriodAsync();
        Assert.Equal(Appended(58), await _log.AppendAsync("b", Point(1), minimumId: 51));

        // A replica that reads only now, having sent more than the log holds, still keeps its ids from coming again.
        await _log.ReadAfterAsync(70);
        Assert.Equal(Appended(71), await _log.AppendAsync("b", Point(2), minimumId: 59));
    }

    [Fact]
    public async Task Every_append_is_announced_with_its_id()
    {
        await OpenLogAsync();
        var announced = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _connection.GetSubscriber().SubscribeAsync(_log.AppendedChannel, (_, id) => announced.TrySetResult((long)id));
        Assert.True(await _log.HoldLeaseAsync("a", LeaseTtl));

        var appended = await _log.AppendAsync("a", Point(1), minimumId: 7);

        Assert.Equal(Appended(7), appended);
        Assert.Equal(appended.Id, await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static AppendResult Appended(long id) => new(AppendStatus.Appended, id);

    private static DataPoint Point(int value) => new() { Sequence = value, NumericValue = value, Timestamp = value };

    /// <summary>The log as replicas have it once it is open: read once, its grace period over.</summary>
    private async Task OpenLogAsync()
    {
        await _log.ReadAfterAsync(0);
        await EndGracePeriodAsync();
    }

    private Task EndGracePeriodAsync() => _connection.GetDatabase().KeyDeleteAsync(GraceKey);
}
