using Google.Protobuf;
using RandomDemo.Contracts;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>One entry of the shared log: the SSE event id and the generator's point.</summary>
internal readonly record struct LoggedPoint(long Id, DataPoint Point);

/// <summary>What an append did with a point.</summary>
internal enum AppendStatus
{
    /// <summary>The point is in the log under the returned id.</summary>
    Appended,

    /// <summary>Another replica holds the producer lease.</summary>
    NotProducer,

    /// <summary>
    /// The log is not open on this Redis run yet, or in its grace period: this Redis did not serve it
    /// before (a new log, a Redis restarted empty or from an older snapshot, a failover), so it may hold
    /// less than replicas have sent, and they are still telling it.
    /// </summary>
    InGrace,
}

internal readonly record struct AppendResult(AppendStatus Status, long Id);

/// <summary>
/// The event log that streaming replicas share: a Redis Stream whose entry ids are <c>N-0</c>, N being
/// the SSE event id, so ids stay consecutive whichever replica appends, and a replay is an XRANGE.
/// The rules live in Redis scripts, where every replica's command sees the same state:
/// <list type="bullet">
/// <item>one replica at a time holds the producer lease, and the append checks it, so a replica that
/// lost the lease (paused, cut off) cannot append behind the new producer's back;</item>
/// <item>every read tells the log the last id the reader has sent (the floor keeps the highest), and an
/// append takes an id above the newest entry, the floor and the producer's own last id, so ids never
/// go back, even after Redis lost the stream;</item>
/// <item>the first read on a Redis run that did not serve the log before (new log, Redis restarted or
/// failed over: it may hold less than replicas have sent) opens it there with a grace period in which
/// it takes no append, time for every replica to read it once and so raise the floor.</item>
/// </list>
/// </summary>
internal sealed class RedisEventLog(IConnectionMultiplexer redis, string name, int capacity, TimeSpan gracePeriod)
{
    /// <summary>Takes the lease if free or renews it if held by <c>@replica</c>; 1 when held afterwards, else 0.</summary>
    private static readonly LuaScript HoldLeaseScript = LuaScript.Prepare("""
        if redis.call('GET', @lease) == @replica then
          redis.call('PEXPIRE', @lease, @ttl)
          return 1
        end
        if redis.call('SET', @lease, @replica, 'NX', 'PX', @ttl) then
          return 1
        end
        return 0
        """);

    private static readonly LuaScript ReleaseLeaseScript = LuaScript.Prepare("""
        if redis.call('GET', @lease) == @replica then
          return redis.call('DEL', @lease)
        end
        return 0
        """);

    // The Redis process's run id: it changes whenever Redis restarts (empty, or from an older snapshot) or fails over.
    private const string RedisRun = """
        local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')

        """;

    /// <summary>
    /// Opens the log on this Redis run if it is not yet (it may hold less than replicas have sent: its
    /// grace period starts), raises the floor to <c>@sent</c> and returns the entries after it, oldest first.
    /// </summary>
    private static readonly LuaScript ReadScript = LuaScript.Prepare(RedisRun + """
        if redis.call('GET', @opened) ~= run then
          redis.call('SET', @opened, run)
          redis.call('SET', @grace, 1, 'PX', @period)
        end
        if tonumber(@sent) > tonumber(redis.call('GET', @floor) or '0') then
          redis.call('SET', @floor, @sent)
        end
        return redis.call('XRANGE', @stream, string.format('%d-0', tonumber(@sent) + 1), '+')
        """);

    /// <summary>
    /// Appends as the lease holder, on a log open on this Redis run and past its grace period, under an
    /// id above the newest entry, the floor and <c>@minimum</c> (the producer's own last id + 1), and
    /// announces it on the stream's channel. Returns the id, 0 when <c>@replica</c> does not hold the
    /// lease, -1 when the log is not open or in its grace period.
    /// </summary>
    private static readonly LuaScript AppendScript = LuaScript.Prepare(RedisRun + """
        if redis.call('GET', @lease) ~= @replica then
          return 0
        end
        if redis.call('GET', @opened) ~= run or redis.call('EXISTS', @grace) == 1 then
          return -1
        end
        local id = math.max(tonumber(@minimum), tonumber(redis.call('GET', @floor) or '0') + 1)
        local newest = redis.call('XREVRANGE', @stream, '+', '-', 'COUNT', 1)
        if #newest > 0 then
          id = math.max(id, tonumber(string.match(newest[1][1], '^(%d+)-')) + 1)
        end
        redis.call('XADD', @stream, 'MAXLEN', '=', @capacity, string.format('%d-0', id), 'p', @payload)
        redis.call('PUBLISH', @stream, id)
        return id
        """);

    private readonly RedisKey _stream = $"{name}:events";
    private readonly RedisKey _lease = $"{name}:producer";
    private readonly RedisKey _floor = $"{name}:floor";
    private readonly RedisKey _opened = $"{name}:opened";
    private readonly RedisKey _grace = $"{name}:grace";

    /// <summary>The channel on which every append is announced (its id as the message).</summary>
    public RedisChannel AppendedChannel => RedisChannel.Literal($"{name}:events");

    /// <summary>Takes or renews the producer lease for <paramref name="ttl"/>; true when this replica holds it.</summary>
    public async Task<bool> HoldLeaseAsync(string replica, TimeSpan ttl) =>
        (int)await HoldLeaseScript.EvaluateAsync(redis.GetDatabase(), new { lease = _lease, replica, ttl = (long)ttl.TotalMilliseconds }) == 1;

    /// <summary>Gives the lease up (on a graceful stop) so another replica takes over at once.</summary>
    public Task ReleaseLeaseAsync(string replica) =>
        ReleaseLeaseScript.EvaluateAsync(redis.GetDatabase(), new { lease = _lease, replica });

    /// <summary>Appends <paramref name="point"/> as <paramref name="replica"/>, at or above <paramref name="minimumId"/>.</summary>
    public async Task<AppendResult> AppendAsync(string replica, DataPoint point, long minimumId)
    {
        var id = (long)await AppendScript.EvaluateAsync(redis.GetDatabase(), new
        {
            lease = _lease,
            opened = _opened,
            grace = _grace,
            floor = _floor,
            stream = _stream,
            replica,
            minimum = minimumId,
            capacity,
            payload = point.ToByteArray(),
        });
        return id switch
        {
            0 => new(AppendStatus.NotProducer, 0),
            < 0 => new(AppendStatus.InGrace, 0),
            _ => new(AppendStatus.Appended, id),
        };
    }

    /// <summary>
    /// Tells the log that this replica has sent events up to <paramref name="sentId"/> (no later append
    /// takes an id at or below it) and returns the entries after it, oldest first: all the log holds,
    /// at most its capacity.
    /// </summary>
    public async Task<IReadOnlyList<LoggedPoint>> ReadAfterAsync(long sentId)
    {
        var entries = (RedisResult[])(await ReadScript.EvaluateAsync(redis.GetDatabase(), new
        {
            opened = _opened,
            grace = _grace,
            floor = _floor,
            stream = _stream,
            period = (long)gracePeriod.TotalMilliseconds,
            sent = sentId,
        }))!;
        return [.. entries.Select(ToLoggedPoint)];
    }

    // An XRANGE entry as a script returns it: [id, [field, value]].
    private static LoggedPoint ToLoggedPoint(RedisResult entry)
    {
        var parts = (RedisResult[])entry!;
        var text = (string)parts[0]!;
        var payload = (byte[])((RedisResult[])parts[1]!)[1]!;
        return new(long.Parse(text.AsSpan(0, text.IndexOf('-')), System.Globalization.CultureInfo.InvariantCulture), DataPoint.Parser.ParseFrom(payload));
    }
}
