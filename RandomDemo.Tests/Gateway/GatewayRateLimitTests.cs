using System.Net;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Gateway;

/// <summary>Gateway:RateLimit, a token bucket per client address on /random/*, against a real gateway and generator.</summary>
public sealed class GatewayRateLimitTests(GeneratorFixture generator, ITestOutputHelper output) : IClassFixture<GeneratorFixture>
{
    /// <summary>One token a second, three at once: a quick run of requests empties the bucket.</summary>
    private static readonly (string, string?)[] TightLimit = [("Gateway__RateLimit__PermitsPerSecond", "1"), ("Gateway__RateLimit__Burst", "3")];

    /// <summary>Far more requests than the bucket holds; the first refusal ends the run.</summary>
    private const int MaxAttempts = 50;

    [Fact]
    public async Task An_address_past_its_bucket_gets_429_problem_with_retry_after()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(generator.Process.BaseAddress, output, [.. TightLimit, ("Gateway__RateLimit__ExemptLoopback", "false")]);
        using var client = GatewayFixture.CreateClient(gateway);

        var (answered, refused) = await RequestUntilRefusedAsync(client, forwardedFor: null);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], answered.Take(3));
        Assert.NotNull(refused);
        using (refused)
        {
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Contains("requests a second", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        }

        // Health is no API call: probes are never limited.
        using var health = await client.GetAsync(HealthEndpoints.Health);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Loopback_is_exempt_by_default()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(generator.Process.BaseAddress, output, TightLimit);
        using var client = GatewayFixture.CreateClient(gateway);

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/random/number");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(generator.Process.BaseAddress, output, TightLimit);
        using var client = GatewayFixture.CreateClient(gateway);

        var (_, refused) = await RequestUntilRefusedAsync(client, forwardedFor: "198.51.100.4");
        Assert.NotNull(refused);
        refused.Dispose();

        using var other = await SendAsync(client, "198.51.100.5");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private static async Task<(List<HttpStatusCode> Answered, HttpResponseMessage? Refused)> RequestUntilRefusedAsync(HttpClient client, string? forwardedFor)
    {
        var answered = new List<HttpStatusCode>();
        for (var i = 0; i < MaxAttempts; i++)
        {
            var response = await SendAsync(client, forwardedFor);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return (answered, response);
            }

            answered.Add(response.StatusCode);
            response.Dispose();
        }

        return (answered, null);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/random/number");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await client.SendAsync(request);
    }
}
