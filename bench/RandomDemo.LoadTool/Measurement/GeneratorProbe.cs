using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// Asks the generator (grpc.health.v1 Check, 1 s deadline: a generator busy under load is slow, not
/// down) every 20 ms and records each outage: when it stopped answering SERVING and when it answered
/// again ("up"), on the run's clock.
/// </summary>
internal sealed class GeneratorProbe(Uri generator, Stopwatch clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    private readonly List<Outage> _outages = [];

    /// <summary>The outages seen, in order; the last one has no <see cref="Outage.UpAt"/> if it is still on.</summary>
    public IReadOnlyList<Outage> Outages
    {
        get
        {
            lock (_outages)
            {
                return [.. _outages];
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellation)
    {
        using var channel = GrpcChannel.ForAddress(generator);
        var health = new Health.HealthClient(channel);
        var down = false;
        while (!cancellation.IsCancellationRequested)
        {
            var serving = await IsServingAsync(health, cancellation);
            var now = clock.Elapsed;
            lock (_outages)
            {
                if (down && serving)
                {
                    _outages[^1] = _outages[^1] with { UpAt = now };
                }
                else if (!down && !serving)
                {
                    _outages.Add(new Outage(now, null));
                }
            }

            down = !serving;
            try
            {
                await Task.Delay(Interval, cancellation);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static async Task<bool> IsServingAsync(Health.HealthClient health, CancellationToken cancellation)
    {
        try
        {
            var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellation);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}

/// <summary>One outage of the generator on the run's clock.</summary>
internal sealed record Outage(TimeSpan DownAt, TimeSpan? UpAt);
