using System.Net;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace RandomDemo.Contracts;

/// <summary>
/// Resolves gRPC addresses <c>discovery://name</c> to the <c>http</c> endpoints that
/// Microsoft.Extensions.ServiceDiscovery knows for <c>name</c>, so that one long-lived channel
/// follows discovery: it resolves again when discovery's endpoints change and whenever the
/// balancer asks (a connection to an endpoint failed).
/// </summary>
public sealed class ServiceDiscoveryResolverFactory(ServiceEndpointResolver endpoints) : ResolverFactory
{
    public const string Scheme = "discovery";

    public override string Name => Scheme;

    public override Resolver Create(ResolverOptions options) =>
        new ServiceDiscoveryResolver(endpoints, options.Address.Host, options.DefaultPort, options.LoggerFactory);
}

internal sealed partial class ServiceDiscoveryResolver(ServiceEndpointResolver endpoints, string serviceName, int defaultPort, ILoggerFactory loggerFactory)
    : PollingResolver(loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ServiceDiscoveryResolver>();
    private IDisposable? _onChange;

    protected override async Task ResolveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var source = await endpoints.GetEndpointsAsync($"http://{serviceName}", cancellationToken);
            var addresses = source.Endpoints.Select(endpoint => ToBalancerAddress(endpoint.EndPoint)).ToArray();
            LogResolved(serviceName, string.Join(", ", addresses.Select(address => address.EndPoint)));
            Listener(ResolverResult.ForResult(addresses));
            // Resolve again once these endpoints change; off this thread, because a token that has
            // already fired calls back at once, and Refresh would resolve again inside this call.
            _onChange?.Dispose();
            _onChange = source.ChangeToken.RegisterChangeCallback(
                static state => ThreadPool.UnsafeQueueUserWorkItem(static resolver => resolver.Refresh(), (ServiceDiscoveryResolver)state!, preferLocal: false),
                this);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Listener(ResolverResult.ForFailure(new Status(StatusCode.Unavailable, $"Service discovery could not resolve '{serviceName}': {error.Message}", error)));
        }
    }

    protected override void Dispose(bool disposing)
    {
        _onChange?.Dispose();
        base.Dispose(disposing);
    }

    private BalancerAddress ToBalancerAddress(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => new BalancerAddress(ip.Address.ToString(), ip.Port),
        DnsEndPoint dns => new BalancerAddress(dns.Host, dns.Port > 0 ? dns.Port : defaultPort),
        UriEndPoint uri => new BalancerAddress(uri.Uri.Host, uri.Uri.Port),
        _ => throw new NotSupportedException($"Endpoint {endPoint} of '{serviceName}' is not a host and port."),
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Service discovery resolved '{ServiceName}' to {Addresses}")]
    private partial void LogResolved(string serviceName, string addresses);
}
