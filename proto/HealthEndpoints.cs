namespace RandomDemo.Contracts;

/// <summary>
/// The HTTP health endpoints every service maps, which orchestrators, published probes and tests ask.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Every health check of the service: 200 with <c>{"status":"ok"}</c> and what the checks report, 503 when unhealthy.</summary>
    public const string Health = "/health";

    /// <summary>Liveness checks only: the process answers, whatever its dependencies say.</summary>
    public const string Alive = "/alive";
}
