using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace RandomDemo.Gateway.Services;

/// <summary>
/// How the gateway calls the generator: the deadline every call carries, and the HTTP problem a
/// failed call turns into (INVALID_ARGUMENT 400, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, else 502).
/// </summary>
public sealed partial class GeneratorCallPolicy(IOptions<GatewayOptions> options, ILogger<GeneratorCallPolicy> logger)
{
    private readonly TimeSpan _callDeadline = options.Value.CallDeadline;

    /// <summary>The deadline for a call that starts now.</summary>
    public DateTime Deadline() => DateTime.UtcNow + _callDeadline;

    public ProblemHttpResult ToProblem(RpcException error, CancellationToken requestAborted)
    {
        if (requestAborted.IsCancellationRequested)
        {
            // The client hung up and nobody reads this answer; that is no fault worth a warning.
            LogClientClosedRequest();
            return TypedResults.Problem(statusCode: StatusCodes.Status499ClientClosedRequest, title: "Client closed request");
        }

        var (status, title, detail) = error.StatusCode switch
        {
            // The gateway validates first, so this is the generator's own wording of a rule.
            StatusCode.InvalidArgument => (StatusCodes.Status400BadRequest, "Invalid argument", error.Status.Detail),
            StatusCode.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Generator unavailable", "The random generator cannot be reached; try again shortly."),
            StatusCode.DeadlineExceeded => (StatusCodes.Status504GatewayTimeout, "Generator timed out", $"The random generator did not answer within {_callDeadline.TotalMilliseconds} ms."),
            _ => (StatusCodes.Status502BadGateway, "Generator failed", $"The random generator failed with status {error.StatusCode}."),
        };
        LogCallFailed(error.StatusCode, status, error.Status.Detail);
        return TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?>
        {
            ["grpc_status"] = error.StatusCode.ToString(),
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generator call failed with {GrpcStatus}, answering {HttpStatus}: {Detail}")]
    private partial void LogCallFailed(StatusCode grpcStatus, int httpStatus, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client closed the request during a generator call")]
    private partial void LogClientClosedRequest();
}
