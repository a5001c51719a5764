namespace RandomDemo.Contracts;

/// <summary>
/// The documented ports of a local run (README.md, "Ports"). A service listens on its port
/// only when nothing else (ASPNETCORE_URLS, --urls, HTTP_PORTS, Kestrel:Endpoints) says where.
/// </summary>
public static class ServicePorts
{
    public const int Generator = 50051;
    public const int Gateway = 8081;
    public const int Streaming = 8085;

    /// <summary>The port the gateway listens on inside a container (published as <see cref="Gateway"/>).</summary>
    public const int GatewayContainer = 8080;

    /// <summary>The Aspire dashboard's web UI (the AppHost's launch profile; the dashboard container's default).</summary>
    public const int DashboardUi = 18888;

    /// <summary>The Aspire dashboard's OTLP/gRPC receiver.</summary>
    public const int DashboardOtlp = 18889;
}
