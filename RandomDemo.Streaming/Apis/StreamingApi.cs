using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using RandomDemo.Streaming.Broadcasting;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Streaming.Telemetry;
using RandomDemo.Streaming.Upstream;

namespace RandomDemo.Streaming.Apis;

public static class StreamingApi
{
    public const string LastEventIdHeader = "Last-Event-ID";
    public const string LastEventIdQuery = "lastEventId";

    /// <summary>How long a client refused for a client limit is asked to wait, in seconds.</summary>
    private const int RetryAfterSeconds = 5;

    /// <summary>
    /// How long a /stream request to a replica that shares the log waits until the replica can tell the
    /// client what it missed: until it has read the log (just started, or Redis just back: a browser's
    /// EventSource gives up for good on the 503 that follows), and has published the client's
    /// Last-Event-ID (a client moving from a replica a few milliseconds ahead; past the wait, an id the
    /// log never reached gets the reset).
    /// </summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapStreamingApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", GetMetrics);
        app.MapGet("/stream", GetStream);
        return app;
    }

    internal static Ok<StreamingMetrics> GetMetrics(EventBroadcaster broadcaster, UpstreamStatus upstream, EventLogStatus eventLog, StreamingTelemetry telemetry, IOptions<StreamingOptions> options) =>
        TypedResults.Ok(new StreamingMetrics(
            broadcaster.Clients,
            broadcaster.MessagesSent,
            (long)broadcaster.Uptime.TotalSeconds,
            upstream.MessagesReceived,
            upstream.Reconnects,
            broadcaster.ClientsDropped,
            broadcaster.LastEventId,
            upstream.StateName,
            telemetry.FanOutsPending,
            options.Value.MaxClients,
            eventLog.Kind,
            eventLog.Role,
            eventLog.Lag(broadcaster.LastEventId),
            eventLog.Connected));

    internal static async Task<Results<EventStreamResult, ProblemHttpResult>> GetStream(HttpContext context, EventBroadcaster broadcaster, EventLogStatus eventLog)
    {
        if (!TryReadLastEventId(context.Request, out var lastEventId))
        {
            return TypedResults.Problem(
                title: "Invalid Last-Event-ID",
                detail: $"{LastEventIdHeader} (header or '{LastEventIdQuery}' query parameter) must be a non-negative integer.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        if (eventLog.Shared)
        {
            var resumeAfter = lastEventId ?? 0;
            await WaitBrieflyAsync(() => eventLog.Loaded && broadcaster.LastEventId >= resumeAfter, ReadyTimeout, context.RequestAborted);
        }

        if (!eventLog.Loaded)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                title: "Event log not read yet",
                detail: "This replica has not read the shared event log (Redis) yet, so it cannot tell which events you missed; retry later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (broadcaster.TryAddClient(context, lastEventId, out var refusal) is not var (client, replay))
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return refusal == ClientRefusal.AddressLimit
                ? TypedResults.Problem(
                    title: "Too many streams from one address",
                    detail: "This client address holds as many streams as one address may (Streaming:MaxClientsPerAddress); close one or retry later.",
                    statusCode: StatusCodes.Status429TooManyRequests)
                : TypedResults.Problem(
                    title: "Too many clients",
                    detail: "The stream has reached its client limit (Streaming:MaxClients) or is shutting down; retry later.",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return new EventStreamResult(broadcaster, client, replay);
    }

    /// <summary>Polls <paramref name="done"/> until it holds, <paramref name="timeout"/> passes or the client leaves.</summary>
    private static async Task WaitBrieflyAsync(Func<bool> done, TimeSpan timeout, CancellationToken aborted)
    {
        if (done())
        {
            return;
        }

        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        expiry.CancelAfter(timeout);
        try
        {
            while (!done())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), expiry.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The wait is over; the caller looks at what holds now.
        }
    }

    /// <summary>
    /// Reads Last-Event-ID from the header, else from the query; true with null when neither is
    /// given, false when the value is not a non-negative integer.
    /// </summary>
    private static bool TryReadLastEventId(HttpRequest request, out long? lastEventId)
    {
        lastEventId = null;
        string? text = request.Headers[LastEventIdHeader];
        if (string.IsNullOrEmpty(text))
        {
            text = request.Query[LastEventIdQuery];
        }

        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        lastEventId = value;
        return true;
    }
}

/// <summary>The body of GET /metrics; the counts are the ones the streaming.* instruments report (see StreamingTelemetry).</summary>
public sealed record StreamingMetrics(
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("messages_sent")] long MessagesSent,
    [property: JsonPropertyName("uptime")] long Uptime,
    [property: JsonPropertyName("messages_received")] long MessagesReceived,
    [property: JsonPropertyName("upstream_reconnects")] long UpstreamReconnects,
    [property: JsonPropertyName("clients_dropped")] long ClientsDropped,
    [property: JsonPropertyName("last_event_id")] long LastEventId,
    [property: JsonPropertyName("upstream")] string Upstream,
    [property: JsonPropertyName("fanouts_pending")] long FanOutsPending,
    [property: JsonPropertyName("max_clients")] int MaxClients,
    [property: JsonPropertyName("event_log")] string EventLog,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("log_lag")] long LogLag,
    [property: JsonPropertyName("log_connected")] bool LogConnected);
