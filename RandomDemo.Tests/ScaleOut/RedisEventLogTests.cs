using RandomDemo.Contracts;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Tests.Infrastructure;
using StackExchange.Redis;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>The shared event log against a real Redis: one producer at a time, ids that never go back.</summary>
public sealed class RedisEventLogTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);

    private readonly RedisServer _redis = new();
    private ConnectionMultiplexer _connection = null!;
    private RedisEventLog _log = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _log = new RedisEventLog(_connection, "test", capacity: 5);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Only_one_replica_holds_the_lease_and_only_it_can_append()
    {
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.Equal(LeaseHold.None, await _log.HoldLeaseAsync("b", LeaseTtl));
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));

        Assert.Equal(1, await _log.AppendAsync("a", Point(10), minimumId: 1));
        Assert.Null(await _log.AppendAsync("b", Point(11), minimumId: 1));
        Assert.Equal([1L], (await _log.ReadAfterAsync(0, 10)).Select(entry => entry.Id));
    }

    [Fact]
    public async Task A_new_producer_continues_the_ids_after_an_expired_or_released_lease()
    {
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, await _log.AppendAsync("a", Point(1), minimumId: 1));
        Assert.Equal(2, await _log.AppendAsync("a", Point(2), minimumId: 2));

        // a stops renewing (dead or paused): b takes over once the lease expires, and its own idea of
        // the next id (1) does not take ids back.
        await Eventually.UntilAsync(() => _log.HoldLeaseAsync("b", LeaseTtl), hold => hold != LeaseHold.None, TimeSpan.FromSeconds(10), "b to take the lease");
        Assert.Null(await _log.AppendAsync("a", Point(3), minimumId: 3));
        Assert.Equal(3, await _log.AppendAsync("b", Point(3), minimumId: 1));

        await _log.ReleaseLeaseAsync("b");
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("c", LeaseTtl));
        Assert.Equal(4, await _log.AppendAsync("c", Point(4), minimumId: 1));
        Assert.Equal([1L, 2, 3, 4], (await _log.ReadAfterAsync(0, 10)).Select(entry => entry.Id));
    }

    [Fact]
    public async Task Points_come_back_as_written_after_an_id_and_the_log_keeps_its_capacity()
    {
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));
        for (var value = 1; value <= 8; value++)
        {
            await _log.AppendAsync("a", Point(value), minimumId: 1);
        }

        var entries = await _log.ReadAfterAsync(0, 100);
        Assert.Equal([4L, 5, 6, 7, 8], entries.Select(entry => entry.Id));
        Assert.Equal([4, 5, 6, 7, 8], entries.Select(entry => entry.Point.NumericValue));
        Assert.Equal([7L, 8], (await _log.ReadAfterAsync(6, 100)).Select(entry => entry.Id));
        Assert.Equal(8, await _log.NewestIdAsync());
    }

    [Fact]
    public async Task After_redis_lost_the_stream_ids_go_on_from_the_producers_own()
    {
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.Equal(1, await _log.AppendAsync("a", Point(1), minimumId: 1));

        _redis.Kill();
        await _redis.StartAsync();
        await Eventually.UntilAsync(() => _connection.IsConnected, connected => connected, TimeSpan.FromSeconds(15), "the client to reconnect");

        Assert.Null(await _log.NewestIdAsync());
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));
        Assert.Equal(42, await _log.AppendAsync("a", Point(2), minimumId: 42));
    }

    [Fact]
    public async Task A_producer_that_saw_less_takes_ids_above_what_any_reader_has_sent()
    {
        // An empty log (Redis lost it): the producer that takes over is told to let the readers raise
        // the floor first; it had sent only 50, the readers 57 and 12.
        Assert.Equal(LeaseHold.HeldOnEmptyLog, await _log.HoldLeaseAsync("b", LeaseTtl));
        await _log.RaiseFloorAsync(57);
        await _log.RaiseFloorAsync(12);
        Assert.Equal(LeaseHold.Held, await _log.HoldLeaseAsync("b", LeaseTtl));
        Assert.Equal(58, await _log.AppendAsync("b", Point(1), minimumId: 51));
    }

    [Fact]
    public async Task Every_append_is_announced_with_its_id()
    {
        var announced = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _connection.GetSubscriber().SubscribeAsync(_log.AppendedChannel, (_, id) => announced.TrySetResult((long)id));
        Assert.NotEqual(LeaseHold.None, await _log.HoldLeaseAsync("a", LeaseTtl));

        var appended = await _log.AppendAsync("a", Point(1), minimumId: 7);

        Assert.Equal(appended, await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static DataPoint Point(int value) => new() { Sequence = value, NumericValue = value, Timestamp = value };
}
