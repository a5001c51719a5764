using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RandomDemo.Streaming.Upstream;

/// <summary>
/// Adds "time" (RFC 3339 UTC) and "upstream" (its state) to /health. Always healthy: while the
/// upstream reconnects, clients stay connected and the service is up.
/// </summary>
internal sealed class UpstreamHealthCheck(UpstreamStatus status, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["time"] = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["upstream"] = status.StateName,
        };
        return Task.FromResult(HealthCheckResult.Healthy($"upstream {status.StateName}", data));
    }
}
