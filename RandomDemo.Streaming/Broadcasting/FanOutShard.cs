using System.Collections.Concurrent;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// A part of the clients that one thread at a time offers events to, in publishing order. The
/// broadcaster has one shard per core: the publisher fans out to the first on its own thread and
/// each other shard runs as one thread-pool work item per event (not per client), so one event
/// reaches all sockets on every core at once.
/// </summary>
internal sealed class FanOutShard(EventBroadcaster broadcaster) : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<SseFrame> _events = new();
    private int _running;

    /// <summary>The shard's clients; guarded by the broadcaster's lock.</summary>
    public List<SseClient> Clients { get; } = [];

    /// <summary>The shard's copy of <see cref="Clients"/> for one fan-out, reused; only the running fan-out uses it.</summary>
    public SseClient[] Snapshot { get; set; } = [];

    /// <summary>Fans the event out after those posted before it: here and now when <paramref name="inline"/> and the shard is idle, else on the thread pool.</summary>
    public void Post(SseFrame frame, bool inline)
    {
        _events.Enqueue(frame);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        if (inline)
        {
            Execute();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public void Execute()
    {
        do
        {
            while (_events.TryDequeue(out var frame))
            {
                broadcaster.FanOut(this, frame);
            }

            Volatile.Write(ref _running, 0);
        }
        while (!_events.IsEmpty && Interlocked.Exchange(ref _running, 1) == 0);
    }
}
