using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace RandomDemo.Contracts;

/// <summary>
/// The health-probe mode of every service's executable, for container healthchecks: the images carry
/// no curl or grpc_health_probe, so <c>Service --health-probe http URL</c> (GET, 2xx) or
/// <c>Service --health-probe grpc URL</c> (grpc.health.v1 Check, SERVING) asks the running service and
/// exits 0 when it is healthy, 1 when not. The published compose file writes these commands.
/// </summary>
public static class HealthProbe
{
    public const string Flag = "--health-probe";
    public const string Http = "http";
    public const string Grpc = "grpc";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>Runs the probe and exits the process when <paramref name="args"/> ask for one; returns otherwise.</summary>
    public static void ExitIfRequested(string[] args)
    {
        if (args is [Flag, var kind, var url])
        {
            var healthy = kind switch
            {
                Http => IsHttpHealthyAsync(new Uri(url)).GetAwaiter().GetResult(),
                Grpc => IsGrpcServingAsync(new Uri(url)).GetAwaiter().GetResult(),
                _ => throw new ArgumentException($"{Flag} takes '{Http}' or '{Grpc}', not '{kind}'."),
            };
            Environment.Exit(healthy ? 0 : 1);
        }
    }

    private static async Task<bool> IsHttpHealthyAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = Deadline };
        try
        {
            using var response = await client.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> IsGrpcServingAsync(Uri url)
    {
        using var channel = GrpcChannel.ForAddress(url);
        try
        {
            var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Deadline);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
