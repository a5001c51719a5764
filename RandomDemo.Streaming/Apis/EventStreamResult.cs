using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using RandomDemo.Streaming.Broadcasting;

namespace RandomDemo.Streaming.Apis;

/// <summary>
/// A /stream response: the retry hint, the replay (if any), then live frames from the client's
/// queue until the client leaves, is dropped, or the service stops. This request's own task does
/// the writing; frames are copied into the response pipe and flushed whenever the queue is empty.
/// Each live event's <see cref="FanOutDelivery"/> is released once the flush that carried it is
/// done, and, when the stream ends, every event it will not send is released too.
/// </summary>
public sealed class EventStreamResult : IResult
{
    private readonly EventBroadcaster _broadcaster;
    private readonly SseClient _client;

    // Deliveries read from the queue since the last completed flush.
    private readonly List<FanOutDelivery> _unflushed = [];
    private ReplayPlan _replay;

    internal EventStreamResult(EventBroadcaster broadcaster, SseClient client, ReplayPlan replay)
    {
        _broadcaster = broadcaster;
        _client = client;
        _replay = replay;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var aborted = httpContext.RequestAborted;
        using var leave = aborted.Register(static state => ((EventStreamResult)state!).Leave(), this);
        try
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            var body = response.BodyWriter;
            body.Write(_broadcaster.RetryFrame);
            var sent = WriteReplay(body);
            if (!await FlushAsync(body, sent, aborted))
            {
                return;
            }

            var skipThroughId = _replay.SkipThroughId;
            _replay = default;
            await PumpAsync(body, skipThroughId, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            Leave();
            ReleaseUnsent();
        }
    }

    private void Leave() => _broadcaster.RemoveClient(_client);

    private int WriteReplay(PipeWriter body)
    {
        var sent = 0;
        if (_replay.Notice is { } notice)
        {
            body.Write(notice);
            sent++;
        }

        foreach (var frame in _replay.Frames ?? [])
        {
            body.Write(frame.Bytes);
            sent++;
        }

        return sent;
    }

    private async Task PumpAsync(PipeWriter body, long skipThroughId, CancellationToken aborted)
    {
        var frames = _client.Frames;

        // No token here: leaving (abort, drop, shutdown) completes the queue, which ends the wait.
        while (await frames.WaitToReadAsync(CancellationToken.None))
        {
            var sent = 0;
            while (frames.TryRead(out var frame))
            {
                if (frame.Delivery is { } delivery)
                {
                    _unflushed.Add(delivery);
                }

                if (frame.IsData && frame.Id <= skipThroughId)
                {
                    continue;
                }

                body.Write(frame.Bytes);
                sent += frame.IsData ? 1 : 0;
            }

            var flushed = await FlushAsync(body, sent, aborted);

            // Flushed, or never will be: either way this client is done with those events.
            ReleaseUnflushed();
            if (!flushed)
            {
                return;
            }
        }
    }

    private void ReleaseUnflushed()
    {
        foreach (var delivery in _unflushed)
        {
            delivery.Release();
        }

        _unflushed.Clear();
    }

    /// <summary>
    /// Releases what this stream will never send: the batch a failed flush left, and what is still
    /// queued. Call after leaving, so the queue is complete and nothing more can arrive.
    /// </summary>
    private void ReleaseUnsent()
    {
        ReleaseUnflushed();
        while (_client.Frames.TryRead(out var frame))
        {
            frame.Delivery?.Release();
        }
    }

    /// <summary>Sends what was written; false once the client is gone. Counts events only when they left.</summary>
    private async ValueTask<bool> FlushAsync(PipeWriter body, int events, CancellationToken aborted)
    {
        var result = await body.FlushAsync(aborted);
        if (result.IsCanceled || result.IsCompleted)
        {
            return false;
        }

        _broadcaster.CountSent(events);
        return true;
    }
}
