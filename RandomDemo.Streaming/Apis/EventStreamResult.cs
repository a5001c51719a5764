using Microsoft.AspNetCore.Http.Features;
using RandomDemo.Streaming.Broadcasting;

namespace RandomDemo.Streaming.Apis;

/// <summary>
/// A /stream response: the retry hint, the replay (if any), then live frames until the client
/// leaves, is dropped, or the service stops. The live frames are written by whoever holds the
/// client's write token (<see cref="SseClient"/>), mostly the publisher; this request's task only
/// starts the stream and waits for its end.
/// </summary>
public sealed class EventStreamResult : IResult
{
    private readonly EventBroadcaster _broadcaster;
    private readonly SseClient _client;
    private readonly ReplayPlan _replay;

    internal EventStreamResult(EventBroadcaster broadcaster, SseClient client, ReplayPlan replay)
    {
        _broadcaster = broadcaster;
        _client = client;
        _replay = replay;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        using var leave = httpContext.RequestAborted.Register(static state => ((SseClient)state!).Close(), _client);
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        await _client.StartAsync(_broadcaster.RetryFrame, _replay);
        await _client.Ended;
    }
}
