using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RandomDemo.AppHost.Endpoints;

namespace RandomDemo.AppHost.ScaleOut;

public static class RedisServerExtensions
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Adds <c>redis-server</c> as a process on a free loopback port, healthy once it answers PING.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        var port = ServiceEndpointExtensions.FreeLoopbackPort();
        var resource = new RedisServerResource(name, builder.AppHostDirectory);
        var healthCheck = $"{name}_ping";
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(healthCheck, _ => new PingHealthCheck(resource.Endpoint), failureStatus: HealthStatus.Unhealthy, tags: null));
        return builder.AddResource(resource)
            .WithEndpoint(RedisServerResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
            })
            // Nothing to keep: the log holds the last few events, and replicas tell clients about a gap.
            .WithArgs("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            // Without it on the PATH, Aspire says so before the start (console and dashboard) instead of a bare failure.
            .WithRequiredCommand("redis-server")
            .WithHealthCheck(healthCheck);
    }

    /// <summary>Redis's own liveness answer: <c>PING</c> → <c>+PONG</c>, on a fresh connection.</summary>
    private sealed class PingHealthCheck(EndpointReference endpoint) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!endpoint.IsAllocated)
            {
                return HealthCheckResult.Unhealthy($"{endpoint.Resource.Name} has no allocated endpoint yet");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(PingDeadline);
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endpoint.Host, endpoint.Port, deadline.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), deadline.Token);
                var reply = new byte[7];
                var read = await stream.ReadAtLeastAsync(reply, 7, throwOnEndOfStream: false, deadline.Token);
                return Encoding.ASCII.GetString(reply, 0, read) == "+PONG\r\n"
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"PING answered '{Encoding.ASCII.GetString(reply, 0, read).TrimEnd()}'");
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"PING failed: {e.Message}");
            }
        }
    }
}
