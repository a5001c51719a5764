using System.Buffers.Text;
using System.Globalization;

namespace RandomDemo.LoadTool.Sse;

/// <summary>What the parser found in a /stream response.</summary>
internal interface IEventStreamSink
{
    void OnStatus(int statusCode);

    void OnRetry();

    void OnComment();

    /// <summary>A complete event; <paramref name="timestamp"/> and <paramref name="sequence"/> are -1 when its data has none.</summary>
    void OnEvent(EventKind kind, long id, long timestamp, long sequence, long receivedMicros);
}

internal enum EventKind
{
    Data,
    Gap,
    Reset,
    Other,
}

/// <summary>
/// An incremental parser for an HTTP/1.1 <c>text/event-stream</c> response as it arrives from a
/// socket: status line and headers, chunked transfer coding, then SSE lines and events. Holds two
/// small line buffers and no per-event allocation, so ten thousand of them stay cheap.
/// </summary>
internal sealed class EventStreamParser
{
    private const int MaxLine = 512;

    private readonly byte[] _controlLine = new byte[MaxLine];
    private readonly byte[] _eventLine = new byte[MaxLine];
    private int _controlLength;
    private int _eventLength;
    private Phase _phase = Phase.StatusLine;
    private bool _chunked;
    private long _chunkRemaining;

    private long _id = -1;
    private EventKind _kind = EventKind.Other;
    private long _timestamp = -1;
    private long _sequence = -1;

    private enum Phase
    {
        StatusLine,
        Headers,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Body,
        Finished,
    }

    /// <summary>True once the server ended the body (last chunk).</summary>
    public bool Finished => _phase == Phase.Finished;

    public void Feed(ReadOnlySpan<byte> data, IEventStreamSink sink, long receivedMicros)
    {
        while (!data.IsEmpty && _phase != Phase.Finished)
        {
            switch (_phase)
            {
                case Phase.StatusLine:
                case Phase.Headers:
                case Phase.ChunkSize:
                case Phase.ChunkEnd:
                    data = ReadControlLine(data, sink);
                    break;
                case Phase.ChunkData:
                    var take = (int)Math.Min(_chunkRemaining, data.Length);
                    ReadEventBytes(data[..take], sink, receivedMicros);
                    _chunkRemaining -= take;
                    data = data[take..];
                    if (_chunkRemaining == 0)
                    {
                        _phase = Phase.ChunkEnd;
                    }

                    break;
                default:
                    ReadEventBytes(data, sink, receivedMicros);
                    data = default;
                    break;
            }
        }
    }

    private ReadOnlySpan<byte> ReadControlLine(ReadOnlySpan<byte> data, IEventStreamSink sink)
    {
        var end = data.IndexOf((byte)'\n');
        var part = end < 0 ? data : data[..end];
        if (_controlLength + part.Length > MaxLine)
        {
            throw new InvalidDataException("response line longer than 512 bytes");
        }

        part.CopyTo(_controlLine.AsSpan(_controlLength));
        _controlLength += part.Length;
        if (end < 0)
        {
            return default;
        }

        var line = _controlLine.AsSpan(0, _controlLength).TrimEnd((byte)'\r');
        _controlLength = 0;
        OnControlLine(line, sink);
        return data[(end + 1)..];
    }

    private void OnControlLine(ReadOnlySpan<byte> line, IEventStreamSink sink)
    {
        switch (_phase)
        {
            case Phase.StatusLine:
                // "HTTP/1.1 200 OK"
                if (line.Length < 12 || !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out _))
                {
                    throw new InvalidDataException("not an HTTP/1.x status line");
                }

                sink.OnStatus(status);
                _phase = Phase.Headers;
                break;
            case Phase.Headers when line.IsEmpty:
                _phase = _chunked ? Phase.ChunkSize : Phase.Body;
                break;
            case Phase.Headers:
                if (line.StartsWith("transfer-encoding:"u8) || line.StartsWith("Transfer-Encoding:"u8))
                {
                    _chunked = line.IndexOf("chunked"u8) >= 0;
                }

                break;
            case Phase.ChunkSize:
                var hex = line.IndexOf((byte)';') is var semicolon and >= 0 ? line[..semicolon] : line;
                if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _chunkRemaining))
                {
                    throw new InvalidDataException("bad chunk size");
                }

                _phase = _chunkRemaining == 0 ? Phase.Finished : Phase.ChunkData;
                break;
            case Phase.ChunkEnd:
                _phase = Phase.ChunkSize;
                break;
        }
    }

    private void ReadEventBytes(ReadOnlySpan<byte> data, IEventStreamSink sink, long receivedMicros)
    {
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)'\n');
            var part = end < 0 ? data : data[..end];
            if (_eventLength + part.Length > MaxLine)
            {
                throw new InvalidDataException("SSE line longer than 512 bytes");
            }

            part.CopyTo(_eventLine.AsSpan(_eventLength));
            _eventLength += part.Length;
            if (end < 0)
            {
                return;
            }

            OnEventLine(_eventLine.AsSpan(0, _eventLength).TrimEnd((byte)'\r'), sink, receivedMicros);
            _eventLength = 0;
            data = data[(end + 1)..];
        }
    }

    private void OnEventLine(ReadOnlySpan<byte> line, IEventStreamSink sink, long receivedMicros)
    {
        if (line.IsEmpty)
        {
            if (_id >= 0 || _timestamp >= 0 || _kind != EventKind.Other)
            {
                sink.OnEvent(_kind, _id, _timestamp, _sequence, receivedMicros);
            }

            _id = _timestamp = _sequence = -1;
            _kind = EventKind.Other;
        }
        else if (line[0] == (byte)':')
        {
            sink.OnComment();
        }
        else if (line.StartsWith("retry:"u8))
        {
            sink.OnRetry();
        }
        else if (line.StartsWith("id: "u8))
        {
            _id = Utf8Parser.TryParse(line[4..], out long id, out _) ? id : -1;
        }
        else if (line.StartsWith("event: "u8))
        {
            var type = line[7..];
            _kind = type.SequenceEqual("data"u8) ? EventKind.Data
                : type.SequenceEqual("gap"u8) ? EventKind.Gap
                : type.SequenceEqual("reset"u8) ? EventKind.Reset
                : EventKind.Other;
        }
        else if (line.StartsWith("data: "u8))
        {
            _timestamp = NumberAfter(line, "\"timestamp\":"u8);
            _sequence = NumberAfter(line, "\"sequence\":"u8);
        }
    }

    private static long NumberAfter(ReadOnlySpan<byte> json, ReadOnlySpan<byte> key)
    {
        var at = json.IndexOf(key);
        return at >= 0 && Utf8Parser.TryParse(json[(at + key.Length)..], out long value, out _) ? value : -1;
    }
}
