using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Gateway;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// Streaming:MaxClientsPerAddress against real connections: the stream past an address's limit is
/// refused with 429, loopback is exempt unless told otherwise, and behind a trusted proxy the
/// forwarded client address counts (from anyone else, X-Forwarded-For is ignored).
/// </summary>
public sealed class ClientAddressLimitTests(ITestOutputHelper output)
{
    private const string Limit = "2";

    [Fact]
    public async Task A_stream_past_the_address_limit_gets_429_with_retry_after_until_one_closes()
    {
        await using var stack = await StartAsync(new() { ["Streaming__ExemptLoopback"] = "false" });
        await using var first = await stack.ConnectAsync();
        await using (var second = await stack.ConnectAsync())
        {
            await AssertRefusedAsync(stack);
        }

        // The closed stream no longer counts.
        await stack.WaitForMetricsAsync(m => m.Long("clients") == 1, "the second stream gone");
        await using var third = await stack.ConnectAsync();
        await third.ReadDataEventAsync();
    }

    [Fact]
    public async Task Loopback_clients_are_exempt_by_default()
    {
        await using var stack = await StartAsync([]);
        var streams = new List<SseConnection>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                streams.Add(await stack.ConnectAsync());
            }

            await stack.WaitForMetricsAsync(m => m.Long("clients") == 5, "five loopback streams");
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_client_address_counts()
    {
        // Loopback is the trusted proxy by default, and exempt itself: only the forwarded addresses are limited.
        await using var stack = await StartAsync([]);
        await using var first = await OpenForwardedAsync(stack, "203.0.113.7");
        await using var second = await OpenForwardedAsync(stack, "203.0.113.7");

        await AssertRefusedAsync(stack, ForwardedFor("203.0.113.7"));
        await using var otherClient = await OpenForwardedAsync(stack, "203.0.113.8");
        // A chain: the proxy appends the address it saw; the client before it counts.
        await AssertRefusedAsync(stack, ForwardedFor("203.0.113.7, 127.0.0.1"));
        await using var proxyItself = await stack.ConnectAsync();
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_sender_that_is_no_trusted_proxy_is_ignored()
    {
        await using var stack = await StartAsync(new()
        {
            ["Streaming__ExemptLoopback"] = "false",
            ["ForwardedHeaders__KnownNetworks__0"] = "10.0.0.0/8",
        });
        await using var first = await OpenForwardedAsync(stack, "203.0.113.1");
        await using var second = await OpenForwardedAsync(stack, "203.0.113.2");

        // All three come from 127.0.0.1, whatever they claim.
        await AssertRefusedAsync(stack, ForwardedFor("203.0.113.3"));
    }

    [Fact]
    public async Task Aspires_forwarded_headers_switch_does_not_make_every_sender_a_trusted_proxy()
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED (set by Aspire, and in the published compose and
        // Kubernetes output) would trust X-Forwarded-For from anyone. The client here reaches the
        // service on the machine's own non-loopback address, so it is no proxy of the same host.
        var address = NonLoopbackAddress();
        var port = LoopbackPort.Free();
        await using var stack = await StreamingStack.StartAsync(output, streamingPort: port, streaming: new Dictionary<string, string?>
        {
            ["Streaming__MaxClientsPerAddress"] = Limit,
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}",
        });
        var stream = new Uri($"http://{address}:{port}/stream");
        await using var first = await SseConnection.OpenAsync(stream, headers: ForwardedFor("203.0.113.1"));
        await using var second = await SseConnection.OpenAsync(stream, headers: ForwardedFor("203.0.113.2"));

        // All three count as the machine's address, whatever they claim.
        await AssertRefusedAsync(stream, ForwardedFor("203.0.113.3"));
    }

    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up && network.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(candidate => candidate.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(candidate))
        ?? throw new InvalidOperationException("This test needs a non-loopback IPv4 address on the machine.");

    private Task<StreamingStack> StartAsync(Dictionary<string, string?> settings)
    {
        settings["Streaming__MaxClientsPerAddress"] = Limit;
        return StreamingStack.StartAsync(output, streaming: settings);
    }

    private static Dictionary<string, string> ForwardedFor(string addresses) => new() { ["X-Forwarded-For"] = addresses };

    private static Task<SseConnection> OpenForwardedAsync(StreamingStack stack, string address) =>
        SseConnection.OpenAsync(stack.StreamUri, headers: ForwardedFor(address));

    private static Task AssertRefusedAsync(StreamingStack stack, Dictionary<string, string>? headers = null) =>
        AssertRefusedAsync(stack.StreamUri, headers);

    private static async Task AssertRefusedAsync(Uri stream, Dictionary<string, string>? headers = null)
    {
        var (http, response) = await SseConnection.SendAsync(stream, headers: headers);
        using (http)
        using (response)
        {
            // Checked before the body is read: an accepted stream's body never ends.
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.Contains("MaxClientsPerAddress", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        }
    }
}
