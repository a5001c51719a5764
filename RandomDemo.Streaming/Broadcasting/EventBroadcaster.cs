using System.Numerics;
using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.Telemetry;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Numbers upstream points as SSE events, keeps the newest for replay and in a live ring, and
/// offers each one to every client (<see cref="SseClient"/>), one <see cref="FanOutShard"/> per
/// core: idle clients get it written and flushed by the shard's thread; busy ones pick it up when
/// their flush completes.
/// Fan-out never waits for a client: a client whose backlog exceeds its queue capacity is
/// disconnected. <see cref="Publish"/> is called from one thread (the upstream reader). Each
/// event's fan-out is timed until every client it was offered to has flushed it (<see cref="FanOutDelivery"/>).
/// </summary>
internal sealed class EventBroadcaster : IDisposable
{
    // Guards the replay buffer, the last id and the shards' client lists (joins, leaves, snapshots).
    private readonly Lock _lock = new();
    private readonly FanOutShard[] _shards;
    private readonly ReplayBuffer _replay;
    private readonly SseFrame?[] _live;
    private readonly SseFrames _frames = new();
    private readonly StreamingOptions _options;
    private readonly StreamingTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ITimer _keepAliveTimer;
    private readonly long _startedAt;

    private int _clientCount;
    private long _lastEventId;
    private long _messagesSent;
    private long _clientsDropped;
    private int _broadcastSinceKeepAlive;
    private bool _closed;

    public EventBroadcaster(IOptions<StreamingOptions> options, StreamingTelemetry telemetry, TimeProvider time)
    {
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _replay = new ReplayBuffer(_options.ReplayBufferSize);
        _shards = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new FanOutShard(this))];

        // Room for four full client queues: a frame a client may still send or release is never overwritten.
        _live = new SseFrame?[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, 4 * _options.ClientQueueCapacity))];
        RetryFrame = SseFrames.Retry(_options.RetryMilliseconds);
        _startedAt = time.GetTimestamp();
        _keepAliveTimer = time.CreateTimer(static state => ((EventBroadcaster)state!).OnKeepAliveTick(), this, _options.KeepAliveInterval, _options.KeepAliveInterval);
    }

    /// <summary>The <c>retry:</c> hint every stream starts with.</summary>
    public byte[] RetryFrame { get; }

    public int Clients => Volatile.Read(ref _clientCount);

    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    public long ClientsDropped => Interlocked.Read(ref _clientsDropped);

    public long LastEventId => Interlocked.Read(ref _lastEventId);

    public TimeSpan Uptime => _time.GetElapsedTime(_startedAt);

    /// <summary>Numbers a point as the next event, keeps it for replay and offers it to every client.</summary>
    public void Publish(DataPoint point)
    {
        var frame = _frames.Data(_lastEventId + 1, point);
        lock (_lock)
        {
            // Decided with the client count that the shards will see: an idle service times nothing.
            if (_clientCount > 0)
            {
                // One share per shard until each shard knows its clients.
                var delivery = _telemetry.StartFanOut();
                delivery.Offering(_shards.Length);
                frame = frame with { Delivery = delivery };
            }

            _replay.Add(frame);
            _live[frame.Id & (_live.Length - 1)] = frame;
            Interlocked.Exchange(ref _lastEventId, frame.Id);
        }

        Volatile.Write(ref _broadcastSinceKeepAlive, 1);
        if (frame.Delivery is null)
        {
            return;
        }

        for (var i = 1; i < _shards.Length; i++)
        {
            _shards[i].Post(frame, inline: false);
        }

        _shards[0].Post(frame, inline: true);
    }

    /// <summary>Offers a live event to the shard's clients: idle ones get it written and flushed here.</summary>
    public void FanOut(FanOutShard shard, SseFrame frame)
    {
        int count;
        lock (_lock)
        {
            var snapshot = shard.Snapshot;
            count = CopyClients(shard.Clients, ref snapshot);
            shard.Snapshot = snapshot;
        }

        // The shard's share becomes one per client before any client can see the event; those not taken are given back after.
        var delivery = frame.Delivery!;
        delivery.Extend(count - 1);
        var notTaken = 0;
        foreach (var client in shard.Snapshot.AsSpan(0, count))
        {
            if (client.Backlog(frame.Id) > _options.ClientQueueCapacity)
            {
                Drop(client);
                notTaken++;
            }
            else if (client.Offer(frame.Id))
            {
                client.Deliver();
            }
            else
            {
                notTaken++;
            }
        }

        // No reference to a client outlives the fan-out.
        Array.Clear(shard.Snapshot, 0, count);
        delivery.Release(notTaken);
    }

    /// <summary>
    /// Registers a client that gets every event published from now on, and plans what it must get
    /// before them for <paramref name="lastEventId"/> (the replay); null when the client limit is
    /// reached or the service is stopping. Start the client with the plan.
    /// </summary>
    public (SseClient Client, ReplayPlan Replay)? TryAddClient(HttpContext context, long? lastEventId)
    {
        lock (_lock)
        {
            if (_closed || _clientCount >= _options.MaxClients)
            {
                return null;
            }

            // In one step with publishing: every event is either in the replay (or before it) or offered live.
            var shard = _shards.MinBy(s => s.Clients.Count)!;
            var client = new SseClient(this, context, _lastEventId) { Shard = shard, Slot = shard.Clients.Count };
            shard.Clients.Add(client);
            Interlocked.Increment(ref _clientCount);
            return (client, lastEventId is { } id ? PlanReplay(id) : default);
        }
    }

    /// <summary>Forgets a client (idempotent); called by the client when it is finished.</summary>
    public void RemoveClient(SseClient client)
    {
        lock (_lock)
        {
            if (client.Shard is not { } shard)
            {
                return;
            }

            var clients = shard.Clients;
            var last = clients[^1];
            clients[client.Slot] = last;
            last.Slot = client.Slot;
            clients.RemoveAt(clients.Count - 1);
            client.Shard = null;
            Interlocked.Decrement(ref _clientCount);
        }
    }

    /// <summary>The live frame with this id, or null once the ring no longer holds it.</summary>
    public SseFrame? LiveFrame(long id) => Volatile.Read(ref _live[id & (_live.Length - 1)]) is { } frame && frame.Id == id ? frame : null;

    public void CountSent(long events) => Interlocked.Add(ref _messagesSent, events);

    /// <summary>Ends every stream and refuses new clients.</summary>
    public void CloseAllClients()
    {
        lock (_lock)
        {
            _closed = true;
        }

        foreach (var client in AllClients())
        {
            client.Close();
        }
    }

    /// <summary>The replay buffer and last id, for saving across a restart.</summary>
    public EventState Snapshot()
    {
        lock (_lock)
        {
            return new EventState(_lastEventId, _replay.After(0));
        }
    }

    /// <summary>Continues numbering (and replay) from a saved state; call before anything is published.</summary>
    public void Restore(EventState state)
    {
        lock (_lock)
        {
            foreach (var frame in state.Events.TakeLast(_options.ReplayBufferSize))
            {
                _replay.Add(frame);
            }

            Interlocked.Exchange(ref _lastEventId, state.LastEventId);
        }
    }

    public void Dispose() => _keepAliveTimer.Dispose();

    /// <summary>
    /// What a client that last saw <paramref name="lastEventId"/> must get before the live events;
    /// call under the lock, together with adding the client.
    /// </summary>
    private ReplayPlan PlanReplay(long lastEventId)
    {
        var newest = _lastEventId;
        if (lastEventId > newest)
        {
            return new ReplayPlan(SseFrames.Reset(lastEventId, newest + 1), []);
        }

        var oldest = _replay.Count == 0 ? newest + 1 : _replay.OldestId;
        var notice = lastEventId + 1 < oldest ? SseFrames.Gap(lastEventId + 1, oldest - 1) : null;
        return new ReplayPlan(notice, _replay.After(lastEventId));
    }

    /// <summary>Copies <paramref name="clients"/> into <paramref name="buffer"/> (grown as needed); call under the lock.</summary>
    private static int CopyClients(List<SseClient> clients, ref SseClient[] buffer)
    {
        if (buffer.Length < clients.Count)
        {
            buffer = new SseClient[Math.Max(clients.Count, 2 * buffer.Length)];
        }

        clients.CopyTo(buffer);
        return clients.Count;
    }

    /// <summary>Every client now, in a new array; for the rare whole-service passes (keep-alive, shutdown).</summary>
    private SseClient[] AllClients()
    {
        lock (_lock)
        {
            return [.. _shards.SelectMany(shard => shard.Clients)];
        }
    }

    private void OnKeepAliveTick()
    {
        if (Interlocked.Exchange(ref _broadcastSinceKeepAlive, 0) != 0)
        {
            return;
        }

        foreach (var client in AllClients())
        {
            client.KeepAlive();
        }
    }

    private void Drop(SseClient client)
    {
        if (client.Abort())
        {
            Interlocked.Increment(ref _clientsDropped);
        }
    }
}

/// <summary>
/// The start of a resumed stream: an optional gap or reset event, then the replayed frames; live
/// events follow from the newest id at the time of the plan.
/// </summary>
internal readonly record struct ReplayPlan(byte[]? Notice, SseFrame[] Frames);

/// <summary>What survives a graceful restart: the last event id and the replay buffer's frames, oldest first.</summary>
internal sealed record EventState(long LastEventId, IReadOnlyList<SseFrame> Events);
