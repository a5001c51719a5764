using Google.Protobuf;
using RandomDemo.Contracts;
using StackExchange.Redis;

namespace RandomDemo.Streaming.EventLog;

/// <summary>What a replica's lease attempt found.</summary>
internal enum LeaseHold
{
    /// <summary>Another replica holds the lease.</summary>
    None,

    /// <summary>This replica holds it.</summary>
    Held,

    /// <summary>
    /// This replica holds it, on a log no replica has written to or sent from: a new one, or a
    /// Redis that lost everything, whose other replicas may not have told their last ids yet.
    /// </summary>
    HeldOnEmptyLog,
}

/// <summary>One entry of the shared log: the SSE event id and the generator's point.</summary>
internal readonly record struct LoggedPoint(long Id, DataPoint Point);

/// <summary>
/// The event log that streaming replicas share: a Redis Stream whose entry ids are <c>N-0</c>, N being
/// the SSE event id, so ids stay consecutive whichever replica appends, and a replay is an XRANGE.
/// One replica at a time holds the producer lease and appends; the append checks the lease inside
/// Redis, so a replica that lost it (paused, cut off) cannot append behind the new producer's back.
/// </summary>
internal sealed class RedisEventLog(IConnectionMultiplexer redis, string name, int capacity)
{
    /// <summary>
    /// Takes the lease if free or renews it if held by <c>@replica</c>: 0 when not held afterwards,
    /// 1 when held, 2 when held while neither the floor nor the stream exists (a log nobody has
    /// written to or sent from).
    /// </summary>
    private static readonly LuaScript HoldLeaseScript = LuaScript.Prepare("""
        local held = 0
        if redis.call('GET', @lease) == @replica then
          redis.call('PEXPIRE', @lease, @ttl)
          held = 1
        elseif redis.call('SET', @lease, @replica, 'NX', 'PX', @ttl) then
          held = 1
        end
        if held == 1 and redis.call('EXISTS', @floor) == 0 and redis.call('EXISTS', @stream) == 0 then
          return 2
        end
        return held
        """);

    private static readonly LuaScript ReleaseLeaseScript = LuaScript.Prepare("""
        if redis.call('GET', @lease) == @replica then
          return redis.call('DEL', @lease)
        end
        return 0
        """);

    /// <summary>
    /// Appends as the lease holder: the id follows the newest entry and the readers' floor, and is at
    /// least <c>@minimum</c> (the producer's own last id + 1); the last two keep ids rising when Redis
    /// lost the stream. Returns the id, or -1 when <c>@replica</c> does not hold the lease. Readers
    /// are told on the stream's channel.
    /// </summary>
    private static readonly LuaScript AppendScript = LuaScript.Prepare("""
        if redis.call('GET', @lease) ~= @replica then
          return -1
        end
        local id = tonumber(@minimum)
        local floor = tonumber(redis.call('GET', @floor) or '0')
        if floor + 1 > id then
          id = floor + 1
        end
        local newest = redis.call('XREVRANGE', @stream, '+', '-', 'COUNT', 1)
        if #newest > 0 then
          local last = tonumber(string.match(newest[1][1], '^(%d+)-'))
          if last + 1 > id then
            id = last + 1
          end
        end
        redis.call('XADD', @stream, 'MAXLEN', '=', @capacity, id .. '-0', 'p', @payload)
        redis.call('PUBLISH', @stream, id)
        return id
        """);

    /// <summary>Raises the floor to <c>@id</c> unless it is higher already.</summary>
    private static readonly LuaScript RaiseFloorScript = LuaScript.Prepare("""
        if tonumber(@id) > tonumber(redis.call('GET', @floor) or '0') then
          redis.call('SET', @floor, @id)
        end
        """);

    private const string PayloadField = "p";

    private readonly RedisKey _stream = $"{name}:events";
    private readonly RedisKey _lease = $"{name}:producer";
    private readonly RedisKey _floor = $"{name}:floor";

    /// <summary>The channel on which every append is announced (its id as the message).</summary>
    public RedisChannel AppendedChannel => RedisChannel.Literal($"{name}:events");

    /// <summary>Takes or renews the producer lease for <paramref name="ttl"/>.</summary>
    public async Task<LeaseHold> HoldLeaseAsync(string replica, TimeSpan ttl) =>
        (LeaseHold)(int)await HoldLeaseScript.EvaluateAsync(redis.GetDatabase(), new
        {
            lease = _lease,
            floor = _floor,
            stream = _stream,
            replica,
            ttl = (long)ttl.TotalMilliseconds,
        });

    /// <summary>
    /// Records that a replica has sent events up to <paramref name="id"/> (every reader does, each
    /// poll): no later append takes an id at or below it, even after Redis lost the stream and a
    /// producer that had seen less took over.
    /// </summary>
    public Task RaiseFloorAsync(long id) =>
        RaiseFloorScript.EvaluateAsync(redis.GetDatabase(), new { floor = _floor, id });

    /// <summary>Gives the lease up (on a graceful stop) so another replica takes over at once.</summary>
    public Task ReleaseLeaseAsync(string replica) =>
        ReleaseLeaseScript.EvaluateAsync(redis.GetDatabase(), new { lease = _lease, replica });

    /// <summary>Appends <paramref name="point"/> as <paramref name="replica"/>; its id, or null when the replica is not the producer.</summary>
    public async Task<long?> AppendAsync(string replica, DataPoint point, long minimumId)
    {
        var id = (long)await AppendScript.EvaluateAsync(redis.GetDatabase(), new
        {
            lease = _lease,
            floor = _floor,
            stream = _stream,
            replica,
            minimum = minimumId,
            capacity,
            payload = point.ToByteArray(),
        });
        return id < 0 ? null : id;
    }

    /// <summary>The entries with an id above <paramref name="afterId"/>, oldest first, at most <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<LoggedPoint>> ReadAfterAsync(long afterId, int count)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(_stream, $"{afterId + 1}-0", "+", count);
        return [.. entries.Select(ToLoggedPoint)];
    }

    /// <summary>The newest entries, at most <paramref name="count"/>, oldest first.</summary>
    public async Task<IReadOnlyList<LoggedPoint>> ReadNewestAsync(int count)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(_stream, "-", "+", count, Order.Descending);
        return [.. entries.Reverse().Select(ToLoggedPoint)];
    }

    /// <summary>The id of the newest entry; null when the stream is empty or gone (a Redis that restarted empty).</summary>
    public async Task<long?> NewestIdAsync()
    {
        var newest = await redis.GetDatabase().StreamRangeAsync(_stream, "-", "+", 1, Order.Descending);
        return newest is [var entry] ? IdOf(entry.Id) : null;
    }

    private static LoggedPoint ToLoggedPoint(StreamEntry entry) => new(IdOf(entry.Id), DataPoint.Parser.ParseFrom((byte[])entry[PayloadField]!));

    private static long IdOf(RedisValue entryId)
    {
        var text = (string)entryId!;
        return long.Parse(text.AsSpan(0, text.IndexOf('-')), System.Globalization.CultureInfo.InvariantCulture);
    }
}
