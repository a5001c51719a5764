using System.Net;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Gateway;

/// <summary>What the gateway answers when the generator is missing, dies, hangs, or the client leaves.</summary>
public sealed class GatewayUpstreamFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan OutputTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("/random/number")]
    [InlineData("/random/string")]
    public async Task Nothing_listening_at_the_generator_address_is_503(string path)
    {
        var nowhere = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        await using var gateway = await GatewayFixture.StartGatewayAsync(nowhere, output);
        using var client = GatewayFixture.CreateClient(gateway);

        using var response = await client.GetAsync(path);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unavailable", problem.GetProperty("grpc_status").GetString());
    }

    [Fact]
    public async Task Killed_generator_is_503_and_a_restarted_one_is_used_again()
    {
        await using var generator = await StartedProcess.StartServiceAsync("RandomDemo.Generator", output);
        var generatorPort = generator.Port;
        await using var gateway = await GatewayFixture.StartGatewayAsync(generator.BaseAddress, output);
        using var client = GatewayFixture.CreateClient(gateway);
        using (var before = await client.GetAsync("/random/number?min=4&max=4"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        generator.Kill();
        using (var down = await client.GetAsync("/random/number"))
        {
            await ProblemAssert.IsProblemAsync(down, HttpStatusCode.ServiceUnavailable);
        }

        await using var restarted = await StartedProcess.StartServiceAsync("RandomDemo.Generator", output, port: generatorPort);
        var answer = await Eventually.UntilAsync(
            () => GetAsync(client, "/random/number?min=4&max=4"), reply => reply.Status == HttpStatusCode.OK, RestartTimeout, "200 from the restarted generator");
        Assert.Equal("""{"number":4,"min":4,"max":4}""", answer.Body);
    }

    [Fact]
    public async Task Generator_that_never_answers_is_504_after_the_call_deadline()
    {
        await using var silent = new SilentServer();
        await using var gateway = await GatewayFixture.StartGatewayAsync(silent.Address, output, ("Gateway__CallDeadline", "00:00:00.300"));
        using var client = GatewayFixture.CreateClient(gateway);

        using var response = await client.GetAsync("/random/number");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Equal("DeadlineExceeded", problem.GetProperty("grpc_status").GetString());
    }

    [Fact]
    public async Task Clients_that_hang_up_mid_call_end_quietly()
    {
        const int hangUps = 5;
        await using var silent = new SilentServer();
        await using var gateway = await GatewayFixture.StartGatewayAsync(silent.Address, output,
            ("Gateway__CallDeadline", "00:01:00"),
            ("Logging__LogLevel__RandomDemo", "Debug"),
            ("Logging__LogLevel__Grpc.Net.Client.Internal.GrpcCall", "Debug"));
        using var client = GatewayFixture.CreateClient(gateway);

        for (var i = 1; i <= hangUps; i++)
        {
            // Hang up only once the gateway is inside its call to the (silent) generator.
            using var hangUp = new CancellationTokenSource();
            var request = client.GetAsync("/random/string", hangUp.Token);
            await gateway.WaitForLinesAsync(line => line.Contains("Starting gRPC call", StringComparison.Ordinal), i, "gRPC call started", OutputTimeout);
            await hangUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        // The gateway noticed every hang-up (long before the one-minute deadline) and stays healthy.
        await gateway.WaitForLinesAsync(line => line.Contains("Client closed the request", StringComparison.Ordinal), hangUps, "hang-up noticed", OutputTimeout);
        using var health = await client.GetAsync(HealthEndpoints.Health);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain(gateway.Output, line =>
            line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal) || line.StartsWith("warn:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Non_positive_call_deadline_stops_the_gateway_at_start_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GatewayFixture.StartGatewayAsync(new Uri("http://127.0.0.1:1"), output, ("Gateway__CallDeadline", "00:00:00")));

        Assert.Contains("Gateway:CallDeadline must be positive", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
