using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ServiceDefaults;

/// <summary>
/// The standard resilience handler (ServiceDefaults, bound to "HttpClientResilience") must not
/// cut the streaming service's long-lived upstream gRPC stream, however short its timeouts.
/// </summary>
public sealed class ResilienceTimeoutTests(ITestOutputHelper output)
{
    /// <summary>Much shorter than the defaults (10 s attempt, 30 s total, 30 s sampling) and still valid (sampling ≥ 2 × attempt).</summary>
    private static readonly Dictionary<string, string?> ShortTimeouts = new()
    {
        ["HttpClientResilience__AttemptTimeout__Timeout"] = "00:00:01",
        ["HttpClientResilience__TotalRequestTimeout__Timeout"] = "00:00:02",
        ["HttpClientResilience__CircuitBreaker__SamplingDuration"] = "00:00:02",
    };

    [Fact]
    public async Task Upstream_stream_outlives_shortened_resilience_timeouts()
    {
        // The handler's timeouts run until response headers arrive, and a gRPC server stream sends
        // its headers with its first message: with a point every 1.5 s, a stream under the handler
        // would be cut (1 s attempt timeout) before its first point, again and again.
        await using var stack = await StreamingStack.StartAsync(output, frequencyMs: 1500, ShortTimeouts);
        await using var stream = await stack.ConnectAsync();

        var events = new List<SseEvent>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            events.Add(await stream.ReadDataEventAsync());
        }

        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => events[0].EventId + i), events.Select(e => e.EventId));

        // Points generated more than the total timeout apart came over one upstream call that was never re-opened.
        var timestamps = events.Select(e => e.Json.GetProperty("timestamp").GetInt64()).ToList();
        Assert.True(timestamps[^1] - timestamps[0] >= 3000, $"points span only {timestamps[^1] - timestamps[0]} ms");
        var metrics = await stack.GetMetricsAsync();
        Assert.Equal(0, metrics.Long("upstream_reconnects"));
        Assert.Equal("connected", metrics.String("upstream"));
        Assert.DoesNotContain(stack.Streaming.Output, line => line.Contains("Upstream stream failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Same_settings_bind_and_cut_a_plain_factory_http_client()
    {
        // The service defaults with the same keys, as environment variables map them ("__" is ":").
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(ShortTimeouts.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)));
        builder.AddServiceDefaults();
        using var host = builder.Build();

        // ConfigureHttpClientDefaults names the standard pipeline's options "-standard" (client name "" + "-standard").
        var options = host.Services.GetRequiredService<IOptionsMonitor<HttpStandardResilienceOptions>>().Get("-standard");
        Assert.Equal(TimeSpan.FromSeconds(1), options.AttemptTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.TotalRequestTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CircuitBreaker.SamplingDuration);

        // A server that accepts connections and never answers: the handler, not HttpClient.Timeout, ends the wait.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        client.Timeout = Timeout.InfiniteTimeSpan;

        // With the default 30 s total timeout this would not fail within 15 s.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() =>
            client.GetAsync(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/")).WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.IsType<TimeoutRejectedException>(failure);
    }
}
