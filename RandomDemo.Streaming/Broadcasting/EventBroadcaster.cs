using System.Numerics;
using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Streaming.Telemetry;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Numbers upstream points as SSE events, keeps the newest for replay and in a live ring, and
/// offers them to every client (<see cref="SseClient"/>) in passes on a thread-pool thread (one
/// work item per pass, not per client): idle clients get the events written and flushed by the
/// pass itself; busy ones pick them up when their flush completes. Events published during a pass
/// go out together in the next, one write per client, so a fan-out that falls behind the upstream
/// sends fewer, larger writes instead of queueing.
/// Fan-out never waits for a client: a client whose backlog exceeds its queue capacity is
/// disconnected. <see cref="Publish(DataPoint)"/> is called from one thread (the upstream reader,
/// or the shared event log's reader). Each event's fan-out is timed from publishing until every
/// client it was offered to has flushed it (<see cref="FanOutDelivery"/>).
/// The ring, the replay buffer, the passes and the clients count events by position (consecutive);
/// ids are what clients see, consecutive too unless a shared log lost entries.
/// </summary>
internal sealed class EventBroadcaster : IThreadPoolWorkItem, IDisposable
{
    // Guards the replay buffer, the last id and position, and the client list (joins, leaves, snapshots).
    private readonly Lock _lock = new();
    private readonly List<SseClient> _clients = [];
    private readonly ClientAddressCounts _addressCounts;
    private readonly ReplayBuffer _replay;
    private readonly SseFrame?[] _live;
    private readonly SseFrames _frames = new();
    private readonly StreamingOptions _options;
    private readonly StreamingTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ITimer _keepAliveTimer;
    private readonly long _startedAt;

    // The fan-out pass's copy of the client list, reused; and the position of the last event it offered.
    private SseClient[] _fanOutSnapshot = [];
    private long _fannedOutThrough;
    private int _fanOutRunning;

    // The parts of a pass beyond the first (one per further core), and the state they share with it.
    private readonly FanOutPart[] _parts;
    private readonly ManualResetEventSlim _partsDone = new();
    private (long From, long Newest, int Count) _pass;
    private int _takingNone;
    private int _partsLeft;
    private long _lastEventId;
    private long _lastPosition;
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
        _addressCounts = new ClientAddressCounts(_options.MaxClientsPerAddress);
        _parts = [.. Enumerable.Range(1, Environment.ProcessorCount - 1).Select(index => new FanOutPart(this, index))];

        // Room for four full client queues, and for a late pass's whole burst up to the replay buffer's
        // length: a frame a client may still send or release is overwritten only after it has left the
        // replay buffer too (the client then ends and resumes from its Last-Event-ID).
        _live = new SseFrame?[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, Math.Max(4 * _options.ClientQueueCapacity, _options.ReplayBufferSize)))];
        RetryFrame = SseFrames.Retry(_options.RetryMilliseconds);
        _startedAt = time.GetTimestamp();
        _keepAliveTimer = time.CreateTimer(static state => ((EventBroadcaster)state!).OnKeepAliveTick(), this, _options.KeepAliveInterval, _options.KeepAliveInterval);
    }

    /// <summary>The <c>retry:</c> hint every stream starts with.</summary>
    public byte[] RetryFrame { get; }

    public int Clients
    {
        get
        {
            lock (_lock)
            {
                return _clients.Count;
            }
        }
    }

    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    public long ClientsDropped => Interlocked.Read(ref _clientsDropped);

    public long LastEventId => Interlocked.Read(ref _lastEventId);

    public TimeSpan Uptime => _time.GetElapsedTime(_startedAt);

    /// <summary>Numbers a point as the next event, keeps it for replay and has it offered to every client.</summary>
    public void Publish(DataPoint point) => Publish(_lastEventId + 1, point);

    /// <summary>
    /// Publishes a point under the id the shared event log gave it: an id at or below the last one is
    /// ignored (false: already published); after a skipped id, clients are told of the gap first.
    /// </summary>
    public bool Publish(long id, DataPoint point)
    {
        var previousId = _lastEventId;
        if (id <= previousId)
        {
            return false;
        }

        var frame = _frames.Data(id, point, _lastPosition + 1, previousId, _telemetry.StartFanOut());
        lock (_lock)
        {
            _replay.Add(frame);
            _live[frame.Position & (_live.Length - 1)] = frame;
            Interlocked.Exchange(ref _lastEventId, frame.Id);
            Interlocked.Exchange(ref _lastPosition, frame.Position);
        }

        Volatile.Write(ref _broadcastSinceKeepAlive, 1);
        if (Interlocked.Exchange(ref _fanOutRunning, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>
    /// The fan-out, one pass at a time off the upstream reader's thread: events published while a
    /// pass runs are offered together by the next one, so a client gets them in one write.
    /// </summary>
    void IThreadPoolWorkItem.Execute()
    {
        do
        {
            FanOutPending();
            Volatile.Write(ref _fanOutRunning, 0);
        }
        while (Interlocked.Read(ref _lastPosition) > _fannedOutThrough && Interlocked.Exchange(ref _fanOutRunning, 1) == 0);
    }

    /// <summary>Offers every event published since the last pass to every client: idle ones get them written and flushed here.</summary>
    private void FanOutPending()
    {
        var from = _fannedOutThrough;
        long newest;
        int count;
        lock (_lock)
        {
            newest = _lastPosition;
            count = CopyClients(ref _fanOutSnapshot);
        }

        if (newest <= from)
        {
            return;
        }

        // Every share is handed out before any client can see the events; those not taken are given back after.
        for (var position = from + 1; position <= newest; position++)
        {
            LiveFrame(position)?.Delivery?.Offering(count);
        }

        // One part of the clients per core: the other parts on the thread pool, the first here;
        // the pass ends when every part has.
        _pass = (from, newest, count);
        _takingNone = 0;
        _partsLeft = _parts.Length;
        foreach (var part in _parts)
        {
            ThreadPool.UnsafeQueueUserWorkItem(part, preferLocal: false);
        }

        OfferPart(0);
        if (_parts.Length > 0)
        {
            _partsDone.Wait();
            _partsDone.Reset();
        }

        var takingNone = Volatile.Read(ref _takingNone);
        // No reference to a client outlives the pass.
        Array.Clear(_fanOutSnapshot, 0, count);
        for (var position = from + 1; position <= newest; position++)
        {
            LiveFrame(position)?.Delivery?.Release(takingNone);
        }

        _fannedOutThrough = newest;
    }

    /// <summary>Offers the pass's events to part <paramref name="index"/> of its snapshot: idle clients get them written and flushed here.</summary>
    private void OfferPart(int index)
    {
        var (from, newest, count) = _pass;
        var parts = _parts.Length + 1;
        var takingNone = 0;
        foreach (var client in _fanOutSnapshot.AsSpan(index * count / parts, ((index + 1) * count / parts) - (index * count / parts)))
        {
            // Only what the client still holds from earlier passes counts: a pass that came late (the
            // process was paused, the pool busy) carries many events at once, and an idle client takes them all.
            if (client.Backlog(from) > _options.ClientQueueCapacity)
            {
                Drop(client);
                takingNone++;
                continue;
            }

            var takesAfter = client.Offer(newest);
            if (takesAfter >= newest)
            {
                takingNone++;
                continue;
            }

            // A client that joined during the pass takes only what came after it.
            for (var position = from + 1; position <= takesAfter; position++)
            {
                LiveFrame(position)?.Delivery?.Release();
            }

            client.Deliver();
        }

        Interlocked.Add(ref _takingNone, takingNone);
    }

    /// <summary>One of the pass's parts beyond the first, run on the thread pool.</summary>
    private sealed class FanOutPart(EventBroadcaster broadcaster, int index) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            broadcaster.OfferPart(index);
            if (Interlocked.Decrement(ref broadcaster._partsLeft) == 0)
            {
                broadcaster._partsDone.Set();
            }
        }
    }

    /// <summary>
    /// Registers a client that gets every event published from now on, and plans what it must get
    /// before them for <paramref name="lastEventId"/> (the replay); null, with the reason, when its
    /// address holds <see cref="StreamingOptions.MaxClientsPerAddress"/> streams already, the client
    /// limit is reached, or the service is stopping. Start the client with the plan.
    /// </summary>
    public (SseClient Client, ReplayPlan Replay)? TryAddClient(HttpContext context, long? lastEventId, out ClientRefusal refusal)
    {
        var address = ClientAddresses.ForLimits(context, _options.ExemptLoopback);
        if (address is not null && !_addressCounts.TryAdd(address))
        {
            refusal = ClientRefusal.AddressLimit;
            return null;
        }

        lock (_lock)
        {
            if (_closed || _clients.Count >= _options.MaxClients)
            {
                if (address is not null)
                {
                    _addressCounts.Remove(address);
                }

                refusal = ClientRefusal.Unavailable;
                return null;
            }

            // In one step with publishing: every event is either in the replay (or before it) or offered live.
            var client = new SseClient(this, context, _lastPosition) { Slot = _clients.Count, Address = address };
            _clients.Add(client);
            refusal = ClientRefusal.None;
            return (client, lastEventId is { } id ? PlanReplay(id) : default);
        }
    }

    /// <summary>Forgets a client (idempotent); called by the client when it is finished.</summary>
    public void RemoveClient(SseClient client)
    {
        lock (_lock)
        {
            if (client.Slot < 0)
            {
                return;
            }

            var last = _clients[^1];
            _clients[client.Slot] = last;
            last.Slot = client.Slot;
            _clients.RemoveAt(_clients.Count - 1);
            client.Slot = -1;
        }

        // Only the first removal gets here (the slot check above).
        if (client.Address is { } address)
        {
            _addressCounts.Remove(address);
        }
    }

    /// <summary>The live frame at this position, or null once the ring no longer holds it.</summary>
    public SseFrame? LiveFrame(long position) => Volatile.Read(ref _live[position & (_live.Length - 1)]) is { } frame && frame.Position == position ? frame : null;

    public void CountSent(long events) => Interlocked.Add(ref _messagesSent, events);

    /// <summary>Ends every stream and refuses new clients.</summary>
    public void CloseAllClients()
    {
        SseClient[] clients = [];
        int count;
        lock (_lock)
        {
            _closed = true;
            count = CopyClients(ref clients);
        }

        foreach (var client in clients.AsSpan(0, count))
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
                _replay.Add(frame with { Position = frame.Id });
            }

            StartAfter(state.LastEventId, state.LastEventId);
        }
    }

    /// <summary>Takes the shared log's newest entries as the replay, ids as the log has them; call before anything is published.</summary>
    public void Preload(IReadOnlyList<LoggedPoint> entries)
    {
        lock (_lock)
        {
            foreach (var (id, point) in entries.TakeLast(_options.ReplayBufferSize))
            {
                var frame = _frames.Data(id, point, _lastPosition + 1, _lastEventId);
                _replay.Add(frame);
                StartAfter(frame.Id, frame.Position);
            }
        }
    }

    /// <summary>Live events follow the given ones; they are replay only, so the first pass starts after them. Call under the lock.</summary>
    private void StartAfter(long lastEventId, long lastPosition)
    {
        Interlocked.Exchange(ref _lastEventId, lastEventId);
        Interlocked.Exchange(ref _lastPosition, lastPosition);
        _fannedOutThrough = lastPosition;
    }

    public void Dispose()
    {
        _keepAliveTimer.Dispose();
        _partsDone.Dispose();
    }

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

        // One notice for everything missing before the first replayed event: it replaces the gap
        // notice that event may carry (its gap began before or at the client's last id).
        var frames = _replay.After(lastEventId);
        var firstId = frames.Length == 0 ? newest + 1 : frames[0].Id;
        if (frames.Length > 0)
        {
            frames[0] = frames[0].WithoutGapNotice();
        }

        var notice = lastEventId + 1 < firstId ? SseFrames.Gap(lastEventId + 1, firstId - 1) : null;
        return new ReplayPlan(notice, frames);
    }

    /// <summary>Copies the client list into <paramref name="buffer"/> (grown as needed); call under the lock.</summary>
    private int CopyClients(ref SseClient[] buffer)
    {
        if (buffer.Length < _clients.Count)
        {
            buffer = new SseClient[Math.Max(_clients.Count, 2 * buffer.Length)];
        }

        _clients.CopyTo(buffer);
        return _clients.Count;
    }

    private void OnKeepAliveTick()
    {
        if (Interlocked.Exchange(ref _broadcastSinceKeepAlive, 0) != 0)
        {
            return;
        }

        SseClient[] clients = [];
        int count;
        lock (_lock)
        {
            count = CopyClients(ref clients);
        }

        foreach (var client in clients.AsSpan(0, count))
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
/// The start of a resumed stream: an optional gap or reset event, then the replayed frames; live
/// events follow from the newest id at the time of the plan.
/// </summary>
internal readonly record struct ReplayPlan(byte[]? Notice, SseFrame[] Frames);

/// <summary>What survives a graceful restart: the last event id and the replay buffer's frames, oldest first.</summary>
internal sealed record EventState(long LastEventId, IReadOnlyList<SseFrame> Events);
