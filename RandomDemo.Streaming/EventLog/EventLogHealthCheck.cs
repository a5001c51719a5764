using Microsoft.Extensions.Diagnostics.HealthChecks;
using RandomDemo.Streaming.Broadcasting;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// Readiness of a replica that shares the log: unhealthy until the log was read once and while Redis
/// does not answer (its clients stay connected; a load balancer sends new ones elsewhere). /alive is not affected.
/// </summary>
internal sealed class EventLogHealthCheck(EventLogStatus status, EventBroadcaster broadcaster) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["role"] = status.Role,
            ["log_lag"] = status.Lag(broadcaster.LastEventId),
        };
        return Task.FromResult(
            !status.Connected ? HealthCheckResult.Unhealthy("event log (Redis) unreachable", data: data)
            : !status.Loaded ? HealthCheckResult.Unhealthy("event log not read yet", data: data)
            : HealthCheckResult.Healthy($"event log followed as {status.Role}", data));
    }
}
