namespace RandomDemo.Contracts;

/// <summary>
/// The command line of every service executable's health-probe mode, for container healthchecks
/// (the images carry no curl or grpc_health_probe): <c>Service --health-probe http URL</c> (GET, 2xx)
/// or <c>Service --health-probe grpc URL</c> (grpc.health.v1 Check, SERVING) asks the running service
/// and exits 0 when it is healthy, 1 when not. The services run it; the published compose file writes it.
/// </summary>
public static class HealthProbe
{
    public const string Flag = "--health-probe";
    public const string Http = "http";
    public const string Grpc = "grpc";
}
