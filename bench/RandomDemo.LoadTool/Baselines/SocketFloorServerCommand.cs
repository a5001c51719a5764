using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Baselines;

/// <summary>
/// The floor for SSE fan-out on this machine: no HTTP framework, no pipes, no thread pool on the
/// path. Plain sockets answer GET /stream with the response head and the retry hint as HTTP/1.1
/// chunks; for each upstream point one chunk is built once and one dedicated thread per core sends
/// it to its share of the sockets with one blocking send each. What this costs per event is the
/// kernel's send path (and, on loopback, the receiver's TCP processing it runs) plus a loop: no
/// server can fan out faster here. GET /metrics answers the load tool's fields.
/// </summary>
internal static class SocketFloorServerCommand
{
    public static readonly string[] Flags = ["port", "generator", "frequency-ms", "threads"];

    private static readonly byte[] StreamHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "D\r\nretry: 3000\n\n\r\n");

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var port = commandLine.Int("port", null, 1, 65535);
        var generator = commandLine.LoopbackUrl("generator");
        var frequencyMs = commandLine.Int("frequency-ms", 1000, 1, 60_000);
        var threads = commandLine.Int("threads", Environment.ProcessorCount, 1, 64);

        using var upstream = new BaselineUpstream(generator, frequencyMs);
        using var senders = new Senders(threads, upstream);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var accepting = Task.Run(() => AcceptAsync(listener, senders, upstream, stop.Token), CancellationToken.None);
        Console.WriteLine($"socket-floor-server: listening on http://127.0.0.1:{port} (GET /stream, /metrics; upstream {generator} every {frequencyMs} ms; {threads} send threads); Ctrl+C or SIGTERM stops");
        await upstream.ReadAsync((id, point, arrivedAt) => senders.Send(Chunk(id, point.Timestamp, point.NumericValue), arrivedAt), stop.Token);
        await stop.CancelAsync();
        listener.Close();
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    private static async Task AcceptAsync(Socket listener, Senders senders, BaselineUpstream upstream, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var socket = await listener.AcceptAsync(stop);
            _ = Task.Run(() => ServeAsync(socket, senders, upstream, stop), CancellationToken.None);
        }
    }

    /// <summary>Reads the request head; a /stream socket joins the senders, /metrics is answered and closed.</summary>
    private static async Task ServeAsync(Socket socket, Senders senders, BaselineUpstream upstream, CancellationToken stop)
    {
        try
        {
            socket.NoDelay = true;
            var buffer = new byte[4096];
            var read = 0;
            while (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) < 0)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), stop);
                if (n == 0 || (read += n) == buffer.Length)
                {
                    socket.Dispose();
                    return;
                }
            }

            if (buffer.AsSpan(0, read).StartsWith("GET /stream"u8))
            {
                await socket.SendAsync(StreamHead, stop);
                senders.Add(socket);
                return;
            }

            var body = buffer.AsSpan(0, read).StartsWith("GET /metrics"u8)
                ? JsonSerializer.SerializeToUtf8Bytes(upstream.Metrics(), BaselineJsonContext.Default.BaselineMetrics)
                : null;
            var head = body is null
                ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                : $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), stop);
            if (body is not null)
            {
                await socket.SendAsync(body, stop);
            }

            socket.Shutdown(SocketShutdown.Both);
            socket.Dispose();
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
        }
    }

    /// <summary>One HTTP chunk holding the event as ours frames it: <c>id</c>, <c>event: data</c>, the point's JSON.</summary>
    private static byte[] Chunk(long id, long timestamp, int value)
    {
        var frame = $"id: {id}\nevent: data\ndata: {{\"timestamp\":{timestamp},\"value\":{value},\"sequence\":{id}}}\n\n";
        return Encoding.ASCII.GetBytes($"{frame.Length:X}\r\n{frame}\r\n");
    }

    /// <summary>One thread per share of the sockets; each event is sent by all of them at once.</summary>
    private sealed class Senders : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly List<Socket>[] _shares;
        private readonly Thread[] _threads;
        private readonly SemaphoreSlim[] _go;
        private readonly BaselineUpstream _upstream;
        private int _next;
        private byte[] _chunk = [];
        private long _arrivedAt;
        private int _sending;
        private volatile bool _stopped;

        public Senders(int threads, BaselineUpstream upstream)
        {
            _upstream = upstream;
            _shares = [.. Enumerable.Range(0, threads).Select(_ => new List<Socket>())];
            _go = [.. Enumerable.Range(0, threads).Select(_ => new SemaphoreSlim(0))];
            _threads = [.. Enumerable.Range(0, threads).Select(index => new Thread(() => Run(index)) { IsBackground = true, Name = $"floor-send-{index}" })];
            foreach (var thread in _threads)
            {
                thread.Start();
            }
        }

        public void Add(Socket socket)
        {
            lock (_lock)
            {
                _shares[_next++ % _shares.Length].Add(socket);
            }

            _upstream.ClientJoined();
        }

        /// <summary>Hands the chunk to every sender thread; an event that comes while the last is still going out waits for it.</summary>
        public void Send(byte[] chunk, long arrivedAt)
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref _sending) == 0);
            _chunk = chunk;
            _arrivedAt = arrivedAt;
            Volatile.Write(ref _sending, _shares.Length);
            foreach (var go in _go)
            {
                go.Release();
            }
        }

        public void Dispose()
        {
            _stopped = true;
            foreach (var go in _go)
            {
                go.Release();
            }
        }

        private void Run(int index)
        {
            while (true)
            {
                _go[index].Wait();
                if (_stopped)
                {
                    return;
                }

                List<Socket> share;
                lock (_lock)
                {
                    share = [.. _shares[index]];
                }

                foreach (var socket in share)
                {
                    try
                    {
                        socket.Send(_chunk);
                        _upstream.CountSent();
                    }
                    catch (Exception error) when (error is SocketException or ObjectDisposedException)
                    {
                        lock (_lock)
                        {
                            _shares[index].Remove(socket);
                        }

                        _upstream.ClientLeft();
                        socket.Dispose();
                    }
                }

                if (Interlocked.Decrement(ref _sending) == 0)
                {
                    BaselineUpstream.RecordFanOut(_arrivedAt);
                }
            }
        }
    }
}
