using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using RandomDemo.Streaming.Broadcasting;

namespace RandomDemo.Streaming.Apis;

/// <summary>
/// A /stream response: the retry hint, the replay (if any), then live frames from the client's
/// queue until the client leaves, is dropped, or the service stops. This request's own task does
/// the writing; frames are copied into the response pipe and flushed whenever the queue is empty.
/// </summary>
public sealed class EventStreamResult : IResult
{
    private readonly EventBroadcaster _broadcaster;
    private readonly SseClient _client;
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
                if (frame.IsData && frame.Id <= skipThroughId)
                {
                    continue;
                }

                body.Write(frame.Bytes);
                sent += frame.IsData ? 1 : 0;
            }

            if (!await FlushAsync(body, sent, aborted))
            {
                return;
            }
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
