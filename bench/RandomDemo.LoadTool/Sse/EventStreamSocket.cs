using System.Net;
using System.Net.Sockets;

namespace RandomDemo.LoadTool.Sse;

/// <summary>How one /stream connection ended: the server ended it, or it failed (and why); neither when the client hung up.</summary>
internal readonly record struct StreamEnd(bool EndedByServer, string? Failure);

/// <summary>One /stream connection on a raw socket, fed through a fresh <see cref="EventStreamParser"/> to a sink.</summary>
internal static class EventStreamSocket
{
    private const int ReceiveBufferSize = 2048;

    /// <summary>
    /// Connects, sends <paramref name="request"/>, and feeds what arrives to <paramref name="sink"/> until
    /// the server ends the stream, <paramref name="hangUp"/> says so (then a graceful FIN, as a browser
    /// closing a tab), or <paramref name="cancellation"/> ends the run.
    /// </summary>
    public static async Task<StreamEnd> ReadAsync(EndPoint server, ReadOnlyMemory<byte> request, IEventStreamSink sink, Func<bool> hangUp, CancellationToken cancellation)
    {
        var parser = new EventStreamParser();
        var endedByServer = false;
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellation);
            await socket.SendAsync(request, SocketFlags.None, cancellation);
            var buffer = new byte[ReceiveBufferSize];
            while (!hangUp())
            {
                var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);
                if (received == 0)
                {
                    endedByServer = true;
                    break;
                }

                parser.Feed(buffer.AsSpan(0, received), sink, SseConnection.NowMicros());
                if (parser.Finished)
                {
                    endedByServer = true;
                    break;
                }
            }

            socket.Shutdown(SocketShutdown.Both);
            return new StreamEnd(endedByServer, null);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The run is over.
            return new StreamEnd(endedByServer, null);
        }
        catch (Exception error) when (error is SocketException or IOException or InvalidDataException)
        {
            return new StreamEnd(endedByServer, error.Message);
        }
    }
}
