using System.Collections.Concurrent;
using System.Net;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Gateway;

/// <summary>
/// The CI-sized cut of bench/faults.sh's gateway scenario: concurrent clients keep calling while the
/// generator is SIGKILLed and started again, twice. (The bench measures how soon 200s resume.)
/// </summary>
public sealed class GatewayUnderLoadFaultTests(ITestOutputHelper output)
{
    private const int Connections = 16;
    private const int Kills = 2;

    /// <summary>The gateway's call deadline here; a request unanswered well past it is a hang.</summary>
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Generator_killed_under_load_gives_only_200s_and_503_504_problems_and_200s_come_back()
    {
        await using var generator = await StartedProcess.StartServiceAsync("RandomDemo.Generator", output);
        var generatorPort = generator.Port;
        await using var gateway = await GatewayFixture.StartGatewayAsync(generator.BaseAddress, output, ("Gateway__CallDeadline", "00:00:02"));
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections })
        {
            BaseAddress = gateway.BaseAddress,
            // Far past the deadline: a request still open then is a hang, and fails the test.
            Timeout = CallDeadline + TimeSpan.FromSeconds(10),
        };
        var answers = new ConcurrentQueue<(HttpStatusCode Status, string? MediaType)>();
        using var stopLoad = new CancellationTokenSource();
        var load = Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                using var response = await client.GetAsync("/random/number?min=1&max=6", CancellationToken.None);
                await response.Content.LoadIntoBufferAsync();
                answers.Enqueue((response.StatusCode, response.Content.Headers.ContentType?.MediaType));
            }
        })).ToList();

        var restarted = new List<StartedProcess>();
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                var current = restarted.Count == 0 ? generator : restarted[^1];
                await WaitForAnswersAsync(answers, HttpStatusCode.OK, "200s before the kill");
                current.Kill();
                await WaitForAnswersAsync(answers, HttpStatusCode.ServiceUnavailable, "503s while the generator is down");
                restarted.Add(await StartedProcess.StartServiceAsync("RandomDemo.Generator", output, port: generatorPort));
            }

            await WaitForAnswersAsync(answers, HttpStatusCode.OK, "200s after the last restart");
        }
        finally
        {
            await stopLoad.CancelAsync();
            foreach (var process in restarted)
            {
                await process.DisposeAsync();
            }
        }

        // A load task that failed (a hang past the client timeout, a refused connection) fails here.
        await Task.WhenAll(load);
        var unexpected = answers.Where(a => !(a.Status == HttpStatusCode.OK
            || (a.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout && a.MediaType == "application/problem+json"))).ToList();
        output.WriteLine($"{answers.Count} answers: " + string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{(int)g.Key} x {g.Count()}")));
        Assert.Empty(unexpected);
    }

    /// <summary>Waits until a new answer with <paramref name="status"/> arrives (the queue only grows).</summary>
    private static Task WaitForAnswersAsync(ConcurrentQueue<(HttpStatusCode Status, string? MediaType)> answers, HttpStatusCode status, string what)
    {
        var seen = answers.Count;
        return Eventually.UntilAsync(() => answers.Skip(seen).Any(a => a.Status == status), found => found, TimeSpan.FromSeconds(30), what);
    }
}
