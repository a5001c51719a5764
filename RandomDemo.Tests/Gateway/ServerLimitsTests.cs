using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Gateway;

/// <summary>
/// The Kestrel limits every service sets (ServiceDefaults' <see cref="ServerLimits"/>), against the
/// real gateway over raw sockets: a slowloris client is cut off, oversized request heads are refused.
/// </summary>
public sealed class ServerLimitsTests(GatewayFixture gateway, ITestOutputHelper output) : IClassFixture<GatewayFixture>
{
    /// <summary>
    /// Generous against the 10 s limit on a busy machine, yet short of Kestrel's own 30 s: without
    /// the limit set on purpose the slow client outlasts it.
    /// </summary>
    private static readonly TimeSpan CutOffWithin = ServerLimits.RequestHeadersTimeout + TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_client_sending_one_header_byte_a_second_is_cut_off()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {HealthEndpoints.Health} HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
        var clock = Stopwatch.StartNew();
        var answer = new byte[4096];
        var receiving = socket.ReceiveAsync(answer);
        var sentBytes = 0;
        while (!receiving.IsCompleted && clock.Elapsed < CutOffWithin)
        {
            try
            {
                await socket.SendAsync("a"u8.ToArray());
                sentBytes++;
            }
            catch (SocketException)
            {
                break;
            }

            await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        Assert.True(receiving.IsCompleted || await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(5))) == receiving,
            $"still connected after {clock.Elapsed.TotalSeconds:0} s of one header byte a second");
        var received = await receiving;
        output.WriteLine($"cut off after {clock.Elapsed.TotalSeconds:0.0} s and {sentBytes} header bytes; the server sent: {Encoding.ASCII.GetString(answer, 0, received).Split("\r\n")[0]}");

        // Kestrel answers 408 and closes, or just closes: either way the connection is no longer held.
        Assert.True(received == 0 || Encoding.ASCII.GetString(answer, 0, received).StartsWith("HTTP/1.1 408", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_line_longer_than_the_limit_is_414()
    {
        // Longer than ServerLimits.MaxRequestLineSize, shorter than Kestrel's own 8 KB.
        var path = "/random/number?pad=" + new string('x', ServerLimits.MaxRequestLineSize + 100);

        Assert.StartsWith("HTTP/1.1 414", await SendRawAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_or_too_large_headers_are_431()
    {
        var many = string.Concat(Enumerable.Range(0, ServerLimits.MaxRequestHeaderCount + 1).Select(i => $"X-Flood-{i}: 1\r\n"));
        var large = $"X-Large: {new string('x', ServerLimits.MaxRequestHeadersTotalSize)}\r\n";

        Assert.StartsWith("HTTP/1.1 431", await SendRawAsync($"GET {HealthEndpoints.Health} HTTP/1.1\r\nHost: localhost\r\n{many}\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 431", await SendRawAsync($"GET {HealthEndpoints.Health} HTTP/1.1\r\nHost: localhost\r\n{large}\r\n"), StringComparison.Ordinal);
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", gateway.Gateway.Port);
        return socket;
    }

    /// <summary>Sends a raw request and returns the first line of the answer.</summary>
    private async Task<string> SendRawAsync(string request)
    {
        using var socket = await ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var answer = new byte[1024];
        var received = await socket.ReceiveAsync(answer, timeout.Token);
        return Encoding.ASCII.GetString(answer, 0, received).Split("\r\n")[0];
    }
}
