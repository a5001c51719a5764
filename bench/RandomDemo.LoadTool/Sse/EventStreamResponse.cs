using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using RandomDemo.LoadTool.Measurement;

namespace RandomDemo.LoadTool.Sse;

/// <summary>
/// The response to a GET of <c>text/event-stream</c> over HTTP/1.1 on a raw socket, as a browser's
/// EventSource gets it: the status from the head, then the body, chunked coding removed, as a read-only
/// stream for <see cref="System.Net.ServerSentEvents.SseParser"/>. The body is received straight into
/// the reader's buffer and unframed in place, so that a connection holds no buffer of its own once the
/// head is read and ten thousand of them stay cheap.
/// </summary>
internal sealed class EventStreamResponse : Stream
{
    private const int MaxHead = 1024;

    private readonly Socket _socket;
    private readonly Func<bool> _beforeReceive;
    private byte[]? _early;
    private int _earlyOffset;
    private int _earlyLength;
    private bool _chunked;
    private Framing _framing = Framing.Size;
    private long _chunkRemaining;
    private bool _trailerLineEmpty = true;

    /// <summary>
    /// Over a connected <paramref name="socket"/>. <paramref name="beforeReceive"/> is asked whenever the
    /// reader wants more of the body and it must wait for the network: false ends the body there (the client hangs up).
    /// </summary>
    private EventStreamResponse(Socket socket, Func<bool> beforeReceive)
    {
        _socket = socket;
        _beforeReceive = beforeReceive;
    }

    private enum Framing
    {
        Size,
        SizeExtension,
        Data,
        DataEnd,
        Trailer,
        Finished,
    }

    public int StatusCode { get; private set; }

    /// <summary>The server ended the body (last chunk, or EOF).</summary>
    public bool EndedByServer { get; private set; }

    /// <summary>When the bytes read last arrived (microseconds since the Unix epoch).</summary>
    public long ReceivedMicros { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sends <paramref name="request"/> on <paramref name="socket"/> and reads the response head.</summary>
    public static async Task<EventStreamResponse> ReadHeadAsync(Socket socket, ReadOnlyMemory<byte> request, Func<bool> beforeReceive, CancellationToken cancellation)
    {
        await socket.SendAsync(request, SocketFlags.None, cancellation);
        var response = new EventStreamResponse(socket, beforeReceive);
        var head = ArrayPool<byte>.Shared.Rent(MaxHead);
        try
        {
            var length = 0;
            int end;
            while ((end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == MaxHead)
                {
                    throw new InvalidDataException($"response head longer than {MaxHead} bytes");
                }

                var received = await socket.ReceiveAsync(head.AsMemory(length, MaxHead - length), SocketFlags.None, cancellation);
                length += received > 0 ? received : throw new InvalidDataException("the server closed the connection before the response head ended");
            }

            response.ReceivedMicros = WallClock.NowMicros();
            response.ReadHead(head.AsSpan(0, end));
            if (end + 4 < length)
            {
                // The start of the body came with the head: the first reads take it from here.
                (response._early, response._earlyOffset, response._earlyLength) = (head, end + 4, length - end - 4);
                head = null;
            }
        }
        finally
        {
            if (head is not null)
            {
                ArrayPool<byte>.Shared.Return(head);
            }
        }

        return response;
    }

    // Pooled: the parser asks once per arrival, ten thousand connections at a time.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_framing == Framing.Finished)
            {
                EndedByServer = true;
                return 0;
            }

            int received;
            if (_early is { } early)
            {
                received = Math.Min(buffer.Length, _earlyLength);
                early.AsSpan(_earlyOffset, received).CopyTo(buffer.Span);
                (_earlyOffset, _earlyLength) = (_earlyOffset + received, _earlyLength - received);
                if (_earlyLength == 0)
                {
                    ArrayPool<byte>.Shared.Return(early);
                    _early = null;
                }
            }
            else
            {
                if (!_beforeReceive())
                {
                    return 0;
                }

                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (received == 0)
                {
                    EndedByServer = true;
                    return 0;
                }

                ReceivedMicros = WallClock.NowMicros();
            }

            var body = _chunked ? Unframe(buffer.Span[..received]) : received;
            if (body > 0)
            {
                return body;
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _early is { } early)
        {
            ArrayPool<byte>.Shared.Return(early);
            _early = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>The status line ("HTTP/1.1 200 OK") and whether the body is chunked; other headers do not matter here.</summary>
    private void ReadHead(ReadOnlySpan<byte> head)
    {
        var statusLineEnd = head.IndexOf("\r\n"u8);
        var statusLine = statusLineEnd < 0 ? head : head[..statusLineEnd];
        if (!statusLine.StartsWith("HTTP/1."u8) || statusLine.Length < 12 || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
        {
            throw new InvalidDataException("not an HTTP/1.x status line");
        }

        StatusCode = status;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            if (line.Length > 18 && System.Text.Ascii.EqualsIgnoreCase(line[..18], "transfer-encoding:"u8))
            {
                _chunked = line.IndexOf("chunked"u8) >= 0;
            }
        }
    }

    /// <summary>Removes the chunked coding from <paramref name="data"/> in place; returns how many body bytes are left at its start.</summary>
    private int Unframe(Span<byte> data)
    {
        var body = 0;
        var at = 0;
        while (at < data.Length && _framing != Framing.Finished)
        {
            var next = data[at];
            switch (_framing)
            {
                case Framing.Data:
                    var take = (int)Math.Min(_chunkRemaining, data.Length - at);
                    data.Slice(at, take).CopyTo(data[body..]);
                    (body, at, _chunkRemaining) = (body + take, at + take, _chunkRemaining - take);
                    _framing = _chunkRemaining == 0 ? Framing.DataEnd : Framing.Data;
                    continue;
                case Framing.Size or Framing.SizeExtension when next == (byte)'\n':
                    _framing = _chunkRemaining == 0 ? Framing.Trailer : Framing.Data;
                    break;
                case Framing.Size when next == (byte)';':
                    _framing = Framing.SizeExtension;
                    break;
                case Framing.Size when next != (byte)'\r':
                    _chunkRemaining = checked((_chunkRemaining * 16) + HexDigit(next));
                    break;
                case Framing.DataEnd when next == (byte)'\n':
                    _framing = Framing.Size;
                    break;
                case Framing.Trailer when next == (byte)'\n':
                    _framing = _trailerLineEmpty ? Framing.Finished : Framing.Trailer;
                    _trailerLineEmpty = true;
                    break;
                case Framing.Trailer when next != (byte)'\r':
                    _trailerLineEmpty = false;
                    break;
            }

            at++;
        }

        return body;
    }

    private static int HexDigit(byte digit) => digit switch
    {
        >= (byte)'0' and <= (byte)'9' => digit - '0',
        >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
        _ => throw new InvalidDataException("bad chunk size"),
    };
}
