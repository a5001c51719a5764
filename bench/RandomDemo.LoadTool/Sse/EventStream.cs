using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;

namespace RandomDemo.LoadTool.Sse;

internal enum EventKind
{
    Data,
    Gap,
    Reset,
    Other,
}

/// <summary>One event of a /stream: its kind and id (-1 if none), the generator's timestamp and sequence from its data (-1 if none), and when it arrived.</summary>
internal readonly record struct StreamEvent(EventKind Kind, long Id, long Timestamp, long Sequence, long ReceivedMicros);

/// <summary>How one /stream connection ended: the server ended it, or it failed (and why); neither when the client hung up.</summary>
internal readonly record struct StreamEnd(bool EndedByServer, string? Failure);

/// <summary>Where a client connects: the address and the /stream URL (its request line and Host).</summary>
internal sealed record StreamTarget(EndPoint Server, Uri Url)
{
    public static async Task<StreamTarget> ResolveAsync(Uri url, CancellationToken cancellation) =>
        new(new IPEndPoint((await Dns.GetHostAddressesAsync(url.Host, cancellation))[0], url.Port), url);
}

/// <summary>What a client does with one /stream connection; each answer false hangs up.</summary>
internal interface IEventStreamSink
{
    /// <summary>The response's status: a stream follows only after 200.</summary>
    bool OnStatus(int statusCode);

    /// <summary>The <c>retry:</c> field arrived, which the server sends once it has subscribed the client.</summary>
    bool OnSubscribed();

    bool OnEvent(in StreamEvent received);
}

/// <summary>One /stream connection on a raw socket, its events parsed by System.Net.ServerSentEvents' <see cref="SseParser"/>.</summary>
internal static class EventStream
{
    /// <summary>The GET a browser's EventSource sends, with <c>Last-Event-ID</c> when it resumes.</summary>
    public static byte[] Request(Uri url, long lastEventId = -1) => Encoding.ASCII.GetBytes(
        $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
        + (lastEventId >= 0 ? $"Last-Event-ID: {lastEventId.ToString(CultureInfo.InvariantCulture)}\r\n" : "") + "\r\n");

    /// <summary>
    /// Connects, sends <paramref name="request"/>, and tells <paramref name="sink"/> what arrives until the
    /// server ends the stream, the sink hangs up (then a graceful FIN, as a browser closing a tab), or
    /// <paramref name="cancellation"/> ends the run.
    /// </summary>
    public static async Task<StreamEnd> ReadAsync(EndPoint server, ReadOnlyMemory<byte> request, IEventStreamSink sink, CancellationToken cancellation)
    {
        EventStreamResponse? response = null;
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellation);
            SseParser<Payload>? parser = null;
            var subscribed = false;
            var hungUp = false;

            // The retry field makes no event: the parser has taken it once it asks for more, or passes it on with the next event.
            bool StillWanted()
            {
                if (!subscribed && parser is not null && parser.ReconnectionInterval != Timeout.InfiniteTimeSpan)
                {
                    subscribed = true;
                    hungUp |= !sink.OnSubscribed();
                }

                return !hungUp;
            }

            response = await EventStreamResponse.ReadHeadAsync(socket, request, StillWanted, cancellation);
            if (sink.OnStatus(response.StatusCode))
            {
                parser = SseParser.Create(response, ParsePayload);
                await foreach (var item in parser.EnumerateAsync(cancellation))
                {
                    if (!StillWanted())
                    {
                        break;
                    }

                    var id = long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
                    if (!sink.OnEvent(new StreamEvent(item.Data.Kind, id, item.Data.Timestamp, item.Data.Sequence, response.ReceivedMicros)))
                    {
                        break;
                    }
                }
            }

            socket.Shutdown(SocketShutdown.Both);
            return new StreamEnd(response.EndedByServer, null);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The run is over.
            return new StreamEnd(response?.EndedByServer ?? false, null);
        }
        catch (Exception error) when (error is SocketException or IOException or InvalidDataException)
        {
            return new StreamEnd(response?.EndedByServer ?? false, error.Message);
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>The kind from the event field; "timestamp" and "sequence" from the JSON data without parsing the rest.</summary>
    private static Payload ParsePayload(string eventType, ReadOnlySpan<byte> data) => new(
        eventType switch
        {
            "data" => EventKind.Data,
            "gap" => EventKind.Gap,
            "reset" => EventKind.Reset,
            _ => EventKind.Other,
        },
        NumberAfter(data, "\"timestamp\":"u8),
        NumberAfter(data, "\"sequence\":"u8));

    private static long NumberAfter(ReadOnlySpan<byte> json, ReadOnlySpan<byte> key)
    {
        var at = json.IndexOf(key);
        return at >= 0 && Utf8Parser.TryParse(json[(at + key.Length)..], out long value, out _) ? value : -1;
    }

    private readonly record struct Payload(EventKind Kind, long Timestamp, long Sequence);
}
