using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using RandomDemo.Contracts;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Runs the health-probe mode of a service executable (<see cref="HealthProbe"/>): the same binary
/// asks the running service over the network, as any client would, and exits with the answer.
/// </summary>
public static class HealthProbeMode
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>The exit code of a probe command line it cannot run (after one <c>error:</c> line naming the flag).</summary>
    public const int BadArgumentExitCode = 2;

    /// <summary>Runs the probe and exits the process when <paramref name="args"/> ask for one; returns otherwise.</summary>
    public static void ExitIfRequested(string[] args)
    {
        if (args is not [HealthProbe.Flag, ..])
        {
            return;
        }

        var uri = args is [_, HealthProbe.Http or HealthProbe.Grpc, var url] && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            && parsed.Scheme is "http" or "https" ? parsed : null;
        if (uri is null)
        {
            Console.Error.WriteLine($"error: {HealthProbe.Flag} takes '{HealthProbe.Http}' or '{HealthProbe.Grpc}' and an http:// URL, not '{string.Join(' ', args.Skip(1))}'.");
            Environment.Exit(BadArgumentExitCode);
            return;
        }

        var healthy = args[1] == HealthProbe.Http
            ? IsHttpHealthyAsync(uri).GetAwaiter().GetResult()
            : IsGrpcServingAsync(uri).GetAwaiter().GetResult();
        Environment.Exit(healthy ? 0 : 1);
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
