using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.Telemetry;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Numbers upstream points as SSE events, keeps the newest for replay and fans each one out to
/// every client's queue. Fan-out never waits for a client: a client whose queue is full is
/// disconnected. <see cref="Publish"/> is called from one thread (the upstream reader). Each
/// event's fan-out is timed until every client it was queued to has flushed it (<see cref="FanOutDelivery"/>).
/// </summary>
internal sealed class EventBroadcaster : IDisposable
{
    private readonly ConcurrentDictionary<SseClient, byte> _clients = new();
    private readonly ClientAddressCounts _addressCounts;
    private readonly ReplayBuffer _replay;
    private readonly Lock _replayLock = new();
    private readonly SseFrames _frames = new();
    private readonly StreamingOptions _options;
    private readonly StreamingTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ITimer _keepAliveTimer;
    private readonly long _startedAt;

    private long _lastEventId;
    private int _clientCount;
    private long _messagesSent;
    private long _clientsDropped;
    private int _broadcastSinceKeepAlive;
    private volatile bool _closed;

    public EventBroadcaster(IOptions<StreamingOptions> options, StreamingTelemetry telemetry, TimeProvider time)
    {
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _replay = new ReplayBuffer(_options.ReplayBufferSize);
        _addressCounts = new ClientAddressCounts(_options.MaxClientsPerAddress);
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

    /// <summary>Numbers a point as the next event, keeps it for replay and queues it to every client.</summary>
    public void Publish(DataPoint point)
    {
        var delivery = _telemetry.StartFanOut();
        var frame = _frames.Data(_lastEventId + 1, point);
        lock (_replayLock)
        {
            _replay.Add(frame);
            Interlocked.Exchange(ref _lastEventId, frame.Id);
        }

        Volatile.Write(ref _broadcastSinceKeepAlive, 1);
        delivery.Queued(FanOut(frame with { Delivery = delivery }));
    }

    /// <summary>
    /// Registers a client whose queue receives every event published from now on; null, with the
    /// reason, when its address holds <see cref="StreamingOptions.MaxClientsPerAddress"/> streams
    /// already, the client limit is reached, or the service is stopping.
    /// </summary>
    public SseClient? TryAddClient(HttpContext context, out ClientRefusal refusal)
    {
        var address = ClientAddresses.ForLimits(context, _options.ExemptLoopback);
        if (address is not null && !_addressCounts.TryAdd(address))
        {
            refusal = ClientRefusal.AddressLimit;
            return null;
        }

        refusal = ClientRefusal.Unavailable;
        if (Interlocked.Increment(ref _clientCount) > _options.MaxClients || _closed)
        {
            Interlocked.Decrement(ref _clientCount);
            if (address is not null)
            {
                _addressCounts.Remove(address);
            }

            return null;
        }

        var client = new SseClient(context, _options.ClientQueueCapacity, address);
        _clients.TryAdd(client, 0);
        if (_closed)
        {
            // Stopping began while this client was being added: CloseAllClients may not have seen it.
            RemoveClient(client);
            return null;
        }

        refusal = ClientRefusal.None;
        return client;
    }

    /// <summary>
    /// What a client that last saw <paramref name="lastEventId"/> must get before its live queue.
    /// Call after <see cref="TryAddClient"/>, so that nothing published in between is missed; the
    /// client skips queued events with ids up to <see cref="ReplayPlan.SkipThroughId"/>.
    /// </summary>
    public ReplayPlan PlanReplay(long lastEventId)
    {
        lock (_replayLock)
        {
            var newest = _lastEventId;
            if (lastEventId > newest)
            {
                return new ReplayPlan(SseFrames.Reset(lastEventId, newest + 1), [], newest);
            }

            var oldest = _replay.Count == 0 ? newest + 1 : _replay.OldestId;
            var notice = lastEventId + 1 < oldest ? SseFrames.Gap(lastEventId + 1, oldest - 1) : null;
            return new ReplayPlan(notice, _replay.After(lastEventId), newest);
        }
    }

    /// <summary>Forgets a client (idempotent); its queue completes.</summary>
    public void RemoveClient(SseClient client)
    {
        if (_clients.TryRemove(client, out _))
        {
            Forget(client);
        }

        client.Complete();
    }

    public void CountSent(long events) => Interlocked.Add(ref _messagesSent, events);

    /// <summary>Ends every stream gracefully (queued frames are still sent) and refuses new clients.</summary>
    public void CloseAllClients()
    {
        _closed = true;
        foreach (var (client, _) in _clients)
        {
            RemoveClient(client);
        }
    }

    /// <summary>The replay buffer and last id, for saving across a restart.</summary>
    public EventState Snapshot()
    {
        lock (_replayLock)
        {
            return new EventState(_lastEventId, _replay.After(0));
        }
    }

    /// <summary>Continues numbering (and replay) from a saved state; call before anything is published.</summary>
    public void Restore(EventState state)
    {
        lock (_replayLock)
        {
            foreach (var frame in state.Events.TakeLast(_options.ReplayBufferSize))
            {
                _replay.Add(frame);
            }

            Interlocked.Exchange(ref _lastEventId, state.LastEventId);
        }
    }

    public void Dispose() => _keepAliveTimer.Dispose();

    private void OnKeepAliveTick()
    {
        if (Interlocked.Exchange(ref _broadcastSinceKeepAlive, 0) == 0)
        {
            FanOut(SseFrames.KeepAlive);
        }
    }

    /// <summary>Queues the frame to every client (dropping those whose queue is full); returns how many got it.</summary>
    private int FanOut(SseFrame frame)
    {
        var queued = 0;

        // Enumerating the dictionary itself takes no lock and copies nothing (Keys would do both).
        foreach (var (client, _) in _clients)
        {
            if (client.TryEnqueue(frame))
            {
                queued++;
            }
            else
            {
                Drop(client);
            }
        }

        return queued;
    }

    private void Drop(SseClient client)
    {
        if (_clients.TryRemove(client, out _))
        {
            Forget(client);
            Interlocked.Increment(ref _clientsDropped);
            client.Disconnect();
        }
    }

    /// <summary>Uncounts a client just taken out of <see cref="_clients"/> (once: only the remover that succeeded calls this).</summary>
    private void Forget(SseClient client)
    {
        Interlocked.Decrement(ref _clientCount);
        if (client.Address is { } address)
        {
            _addressCounts.Remove(address);
        }
    }
}

/// <summary>Why <see cref="EventBroadcaster.TryAddClient"/> refused a client.</summary>
internal enum ClientRefusal
{
    None,

    /// <summary>Its address holds as many streams as one address may (429).</summary>
    AddressLimit,

    /// <summary>The client limit is reached or the service is stopping (503).</summary>
    Unavailable,
}

/// <summary>
/// The start of a resumed stream: an optional gap or reset event, then the replayed frames; queued
/// live frames with ids up to <see cref="SkipThroughId"/> were replayed (or predate the reset) and are skipped.
/// </summary>
internal readonly record struct ReplayPlan(byte[]? Notice, SseFrame[] Frames, long SkipThroughId);

/// <summary>What survives a graceful restart: the last event id and the replay buffer's frames, oldest first.</summary>
internal sealed record EventState(long LastEventId, IReadOnlyList<SseFrame> Events);
