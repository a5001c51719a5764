using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>
/// Gives every endpoint its port for this run: <c>Ports:{resource}[:{endpoint}]</c> from configuration first (0 means a
/// free port), then the model's port (unless ports are randomized, as under test), else a free port. A fixed port
/// that is taken fails the start with one line naming the resource and the port.
/// </summary>
internal static class EndpointAllocator
{
    public const string PortsSection = "Ports";

    public static void Allocate(DistributedApplicationModel model, IConfiguration configuration, bool randomizePorts)
    {
        // Free ports stay bound until every endpoint has one, so no two endpoints get the same port.
        var reserved = new List<TcpListener>();
        try
        {
            foreach (var resource in model.Resources)
            {
                var endpoints = resource.GetEndpoints();
                foreach (var endpoint in endpoints)
                {
                    var port = Override(configuration, resource, endpoint, isFirst: endpoint == endpoints[0])
                        ?? (randomizePorts ? 0 : endpoint.Port ?? endpoint.TargetPort ?? 0);
                    if (port == 0)
                    {
                        var listener = new TcpListener(IPAddress.Loopback, 0);
                        listener.Start();
                        reserved.Add(listener);
                        port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    }
                    else if (!IsFree(port))
                    {
                        throw new DistributedApplicationException($"{resource.Name} cannot listen on port {port}: the port is in use", exitCode: 1);
                    }

                    endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint.UriScheme, "localhost", port);
                }
            }
        }
        finally
        {
            reserved.ForEach(listener => listener.Dispose());
        }
    }

    /// <summary>What is wrong with the <c>Ports</c> configuration (unknown resource or endpoint, not a port), one message each.</summary>
    public static IEnumerable<string> Validate(DistributedApplicationModel model, IConfiguration configuration)
    {
        foreach (var resourceSection in configuration.GetSection(PortsSection).GetChildren())
        {
            var resource = model.Resources.FirstOrDefault(r => string.Equals(r.Name, resourceSection.Key, StringComparison.OrdinalIgnoreCase));
            if (resource is null)
            {
                yield return $"unknown resource in '{resourceSection.Path}': the resources are {string.Join(", ", model.Resources.Select(r => r.Name))}";
                continue;
            }

            if (resourceSection.Value is not null && !TryParsePort(resourceSection.Value, out _))
            {
                yield return NotAPort(resourceSection);
            }

            foreach (var endpointSection in resourceSection.GetChildren())
            {
                if (!resource.GetEndpoints().Any(e => string.Equals(e.Name, endpointSection.Key, StringComparison.OrdinalIgnoreCase)))
                {
                    yield return $"unknown endpoint in '{endpointSection.Path}': {resource.Name} has {string.Join(", ", resource.GetEndpoints().Select(e => e.Name))}";
                }
                else if (!TryParsePort(endpointSection.Value, out _))
                {
                    yield return NotAPort(endpointSection);
                }
            }
        }
    }

    private static int? Override(IConfiguration configuration, IResource resource, EndpointAnnotation endpoint, bool isFirst)
    {
        var value = configuration[$"{PortsSection}:{resource.Name}:{endpoint.Name}"]
            ?? (isFirst ? configuration[$"{PortsSection}:{resource.Name}"] : null);
        return TryParsePort(value, out var port) ? port : null;
    }

    private static bool TryParsePort(string? value, out int port) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort;

    private static string NotAPort(IConfigurationSection section) =>
        $"invalid value in '{section.Path}={section.Value}': a port is a number from 0 to {IPEndPoint.MaxPort} (0 = any free port)";

    private static bool IsFree(int port)
    {
        // Services listen on "localhost", i.e. both loopback addresses.
        IPAddress[] addresses = Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        foreach (var address in addresses)
        {
            try
            {
                // As Kestrel binds: connections of an earlier run in TIME_WAIT do not make the port busy, a listener does.
                using var listener = new TcpListener(address, port);
                listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return false;
            }
            catch (SocketException)
            {
                // The address itself is unavailable (e.g. IPv6 disabled): nothing can hold the port there.
            }
        }

        return true;
    }
}
