using System.Buffers;
using System.IO.Pipelines;
using System.Net;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One connected /stream client. There is no queue of its own: the broadcaster offers it events
/// by raising <see cref="_offeredThrough"/> (a position in the broadcaster's sequence of events), and whoever holds the client's write token copies
/// every offered frame it has not sent yet from the live ring into the response and flushes. The
/// fan-out pass takes the token itself when the client is idle, so an event normally reaches the
/// socket on the pass's thread with no task woken per client; a client still
/// flushing keeps the token and, once its flush completes, sends everything offered meanwhile in
/// one write (frames coalesce while a client is behind). Frames offered but not yet flushed are
/// the client's backlog: when what it still holds from earlier passes exceeds the queue capacity,
/// the broadcaster drops the client.
/// </summary>
internal sealed class SseClient
{
    // The write token: whoever moves it from Idle to Busy may write to the response until it gives it back.
    private const int Idle = 0;
    private const int Busy = 1;

    // _offeredThrough once the client is finished: nothing more is offered.
    private const long Finished = long.MinValue;

    private readonly EventBroadcaster _broadcaster;
    private readonly HttpContext _context;
    private readonly PipeWriter _body;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The request handler holds the token from the start, for the retry hint and the replay.
    private int _state = Busy;
    private long _offeredThrough;
    private int _closing;
    private bool _keepAliveDue;

    // Written and read by the token holder only (the broadcaster reads _releasedThrough for the backlog).
    private long _writtenThrough;
    private long _releasedThrough;

    public SseClient(EventBroadcaster broadcaster, HttpContext context, long startAfterPosition)
    {
        _broadcaster = broadcaster;
        _context = context;
        _body = context.Response.BodyWriter;
        _offeredThrough = _writtenThrough = _releasedThrough = startAfterPosition;
    }

    /// <summary>The address its stream counts against (null when exempt from the per-address limit).</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Where the broadcaster keeps this client, for removal in O(1); guarded by the broadcaster.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Completes once the client is finished and nothing will write to its response again.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Live events offered but not yet flushed (or given up).</summary>
    public long Backlog(long newestPosition) => newestPosition - Volatile.Read(ref _releasedThrough);

    /// <summary>
    /// Offers events up to position <paramref name="position"/>; returns the position after which this
    /// client takes them (it holds a share of each such event's delivery), or <paramref name="position"/> when it takes none
    /// (joined after it, or finished). Then call <see cref="Deliver"/>.
    /// </summary>
    public long Offer(long position)
    {
        while (true)
        {
            var offered = Volatile.Read(ref _offeredThrough);
            if (offered == Finished || offered >= position)
            {
                return position;
            }

            if (Interlocked.CompareExchange(ref _offeredThrough, position, offered) == offered)
            {
                return offered;
            }
        }
    }

    /// <summary>Sends what was offered now, on this thread, unless the client is busy (then its current writer will).</summary>
    public void Deliver()
    {
        if (Interlocked.CompareExchange(ref _state, Busy, Idle) == Idle)
        {
            Drain();
        }
    }

    /// <summary>Sends a keep-alive comment if the client is idle; a busy client is sending anyway.</summary>
    public void KeepAlive()
    {
        if (Interlocked.CompareExchange(ref _state, Busy, Idle) == Idle)
        {
            _keepAliveDue = true;
            Drain();
        }
    }

    /// <summary>
    /// The request handler's start: writes the retry hint and the replay, flushes, then goes live.
    /// The handler holds the token until then, so live events offered meanwhile wait and follow.
    /// </summary>
    public async Task StartAsync(byte[] retry, ReplayPlan replay)
    {
        try
        {
            _body.Write(retry);
            var sent = 0;
            if (replay.Notice is { } notice)
            {
                _body.Write(notice);
                sent++;
            }

            foreach (var frame in replay.Frames ?? [])
            {
                _body.Write(frame.Bytes);
                sent++;
            }

            var result = await _body.FlushAsync();
            if (result.IsCanceled || result.IsCompleted)
            {
                Finish();
                return;
            }

            _broadcaster.CountSent(sent);
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException)
        {
            Finish();
            return;
        }

        Drain();
    }

    /// <summary>
    /// Ends the stream (idempotent): no more events are offered, the current writer (if any) stops
    /// after its flush, and the response ends. Frames not yet flushed are given up; the client
    /// resumes from its Last-Event-ID.
    /// </summary>
    public void Close() => TryClose();

    /// <summary>Ends the connection now, even while a flush waits on a socket that does not drain; false when it was already closing.</summary>
    public bool Abort()
    {
        var first = TryClose();
        _context.Abort();
        return first;
    }

    private bool Closing => Volatile.Read(ref _closing) != 0;

    private bool TryClose()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _state, Busy, Idle) == Idle)
        {
            Finish();
        }

        return true;
    }

    // Token held: writes and flushes until nothing offered is left unsent, then gives the token back.
    private void Drain()
    {
        try
        {
            while (!Closing)
            {
                var offered = Volatile.Read(ref _offeredThrough);
                if (offered > _writtenThrough || _keepAliveDue)
                {
                    if (!Write(offered))
                    {
                        break;
                    }

                    var flush = _body.FlushAsync();
                    if (!flush.IsCompletedSuccessfully)
                    {
                        _ = DrainAfterAsync(flush);
                        return;
                    }

                    if (!Flushed(flush.Result))
                    {
                        break;
                    }

                    continue;
                }

                // Give the token back, then look again: an offer or a close that came in between
                // saw the token taken and left the work to this writer.
                Interlocked.Exchange(ref _state, Idle);
                if (!Closing && Volatile.Read(ref _offeredThrough) <= _writtenThrough)
                {
                    return;
                }

                if (Interlocked.CompareExchange(ref _state, Busy, Idle) != Idle)
                {
                    return;
                }
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The response is gone: the client left or was aborted.
        }

        Finish();
    }

    private async Task DrainAfterAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            if (!Flushed(await flush))
            {
                Finish();
                return;
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException)
        {
            Finish();
            return;
        }

        Drain();
    }

    /// <summary>Copies the frames after what was written, through <paramref name="offered"/>, into the response; false when one is gone from the ring.</summary>
    private bool Write(long offered)
    {
        for (var position = _writtenThrough + 1; position <= offered; position++)
        {
            if (_broadcaster.LiveFrame(position) is not { } frame)
            {
                // Only a client far beyond its queue capacity can miss a frame; it is being dropped.
                return false;
            }

            _body.Write(frame.Bytes);
            _writtenThrough = position;
        }

        if (_keepAliveDue)
        {
            _keepAliveDue = false;
            _body.Write(SseFrames.KeepAlive.Bytes);
        }

        return true;
    }

    /// <summary>A flush completed: the events it carried are delivered. False once the client is gone.</summary>
    private bool Flushed(FlushResult result)
    {
        var sent = _writtenThrough - _releasedThrough;
        Release(_writtenThrough);
        if (result.IsCanceled || result.IsCompleted)
        {
            return false;
        }

        _broadcaster.CountSent(sent);
        return true;
    }

    /// <summary>Releases this client's share of every event after the last released, through position <paramref name="through"/>.</summary>
    private void Release(long through)
    {
        for (var position = _releasedThrough + 1; position <= through; position++)
        {
            _broadcaster.LiveFrame(position)?.Delivery?.Release();
        }

        Volatile.Write(ref _releasedThrough, Math.Max(_releasedThrough, through));
    }

    // Token held, never given back: nothing is offered any more, every share still held is released, the handler returns.
    private void Finish()
    {
        var offered = Interlocked.Exchange(ref _offeredThrough, Finished);
        if (offered != Finished)
        {
            Release(offered);
        }

        _broadcaster.RemoveClient(this);
        _ended.TrySetResult();
    }
}
