using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.AppHost.Endpoints;

/// <summary>
/// The one HTTP endpoint each service has: its documented port unless <c>Ports:{resource}</c> says
/// otherwise, served by the process itself unless <c>AppHost:ProxiedEndpoints</c> puts DCP's proxy in front.
/// When publishing, the port is the one a container engine publishes and the endpoint's target port
/// the one the service listens on inside its container.
/// </summary>
public static class ServiceEndpointExtensions
{
    /// <summary>Configuration section of per-resource port overrides, e.g. <c>--Ports:gateway=9081</c>.</summary>
    public const string PortsSection = "Ports";

    /// <summary>
    /// True puts DCP's endpoint proxy between clients and each service (Aspire's default). Ours is
    /// false: the proxy is one more hop for every request and holds memory for every open connection.
    /// </summary>
    public const string ProxiedEndpointsKey = "AppHost:ProxiedEndpoints";

    /// <summary>Set by Aspire's testing builder (and isolated <c>aspire run</c>) to move every fixed port to a free one.</summary>
    private const string RandomizePortsKey = "DcpPublisher:RandomizePorts";

    public static IResourceBuilder<ProjectResource> WithServiceEndpoint(this IResourceBuilder<ProjectResource> builder, int defaultPort, int? containerPort = null, bool proxied = false)
    {
        var configuration = builder.ApplicationBuilder.Configuration;
        var requestedPort = ConfiguredPort(configuration, builder.Resource.Name);
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            // Aspire turns the target port into the project's HTTP_PORTS, so the container listens on it.
            return builder.WithHttpEndpoint(port: requestedPort ?? defaultPort, targetPort: containerPort ?? defaultPort);
        }

        proxied |= configuration.GetValue(ProxiedEndpointsKey, false);
        // DCP randomizes only proxied ports; a process serving its own port gets a free one here,
        // unless a port was asked for by name.
        var port = requestedPort ?? (!proxied && ArePortsRandomized(configuration) ? FreeLoopbackPort() : defaultPort);
        return builder.WithHttpEndpoint(port: port, isProxied: proxied);
    }

    /// <summary>True when DCP moves proxied fixed ports to random ones (tests), so they cannot conflict.</summary>
    public static bool ArePortsRandomized(IConfiguration configuration) => configuration.GetValue(RandomizePortsKey, false);

    /// <summary>The port <c>Ports:{name}</c> asks for, if any; a bad value stops the AppHost with one line.</summary>
    internal static int? ConfiguredPort(IConfiguration configuration, string resourceName)
    {
        var key = $"{PortsSection}:{resourceName}";
        var value = configuration[key];
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= IPEndPoint.MinPort + 1 and <= IPEndPoint.MaxPort
            ? port
            : throw new AppHostStartupException($"--{key} must be a TCP port from 1 to 65535, not '{value}'.", AppHostStartupException.BadArgumentExitCode);
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
