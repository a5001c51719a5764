using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.Eventing;
using Aspire.Hosting.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.AppHost.Endpoints;

public static class PortConflictCheckExtensions
{
    /// <summary>
    /// Before anything starts, checks that every fixed port of the app (services and dashboard) is
    /// free; one that is not stops the start with one line naming the port and its resource, instead
    /// of a resource that silently fails to start (or a proxy that cannot listen).
    /// </summary>
    public static IDistributedApplicationBuilder AddPortConflictCheck(this IDistributedApplicationBuilder builder)
    {
        builder.Services.TryAddEventingSubscriber<PortConflictCheck>();
        return builder;
    }
}

internal sealed class PortConflictCheck(IConfiguration configuration, DistributedApplicationOptions options) : IDistributedApplicationEventingSubscriber
{
    /// <summary>The dashboard's own listeners, from the AppHost's launch profile.</summary>
    private static readonly string[] DashboardUrlKeys =
        ["ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"];

    public Task SubscribeAsync(IDistributedApplicationEventing eventing, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        if (executionContext.IsRunMode)
        {
            eventing.Subscribe<BeforeStartEvent>((e, _) =>
            {
                foreach (var (port, owner, fix) in FixedPorts(e.Model))
                {
                    if (!IsFree(port))
                    {
                        throw new AppHostStartupException($"Port {port} is already in use; it is {owner}. Stop what holds it, or {fix}.", AppHostStartupException.PortInUseExitCode);
                    }
                }

                return Task.CompletedTask;
            });
        }

        return Task.CompletedTask;
    }

    private IEnumerable<(int Port, string Owner, string Fix)> FixedPorts(DistributedApplicationModel model)
    {
        var randomized = ServiceEndpointExtensions.ArePortsRandomized(configuration);
        foreach (var resource in model.Resources)
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                if (endpoint.Port is int port && !(endpoint.IsProxied && randomized))
                {
                    yield return (port, $"the {endpoint.Name} endpoint of {resource.Name}",
                        $"choose another port with --{ServiceEndpointExtensions.PortsSection}:{resource.Name}=<port>");
                }
            }
        }

        // The dashboard and its resource service run only when enabled (not under the testing builder).
        foreach (var key in options.DisableDashboard ? [] : DashboardUrlKeys)
        {
            foreach (var url in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Port > 0)
                {
                    yield return (uri.Port, $"the dashboard's {key}", $"change {key} in RandomDemo.AppHost/Properties/launchSettings.json");
                }
            }
        }
    }

    private static bool IsFree(int port)
    {
        // DCP and the services bind "localhost", which is both loopback addresses.
        return CanBind(IPAddress.Loopback, port) && (!Socket.OSSupportsIPv6 || CanBind(IPAddress.IPv6Loopback, port));
    }

    private static bool CanBind(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel does: a port whose last connections linger in TIME_WAIT is free; a listener is not.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
        catch (SocketException)
        {
            // No such address here (e.g. IPv6 switched off): nothing can hold the port on it either.
            return true;
        }
    }
}
