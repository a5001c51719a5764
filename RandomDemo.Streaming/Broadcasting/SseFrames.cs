using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using RandomDemo.Contracts;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Writes the wire format of /stream. Data frames are built with one reusable buffer, so a frame
/// costs one byte[] however many clients it goes to; use one instance from one thread.
/// </summary>
internal sealed class SseFrames
{
    public static readonly SseFrame KeepAlive = new(0, ": keep-alive\n\n"u8.ToArray());

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public SseFrames() => _json = new Utf8JsonWriter(_buffer);

    /// <summary>
    /// <c>id: N\nevent: data\ndata: {"timestamp":..,"value":..,"sequence":N}\n\n</c>; no "value" when the
    /// point has none. After <paramref name="previousId"/> (0: none), ids skipped before this one are
    /// announced first, in the same frame, as a <c>gap</c> event.
    /// </summary>
    public SseFrame Data(long id, DataPoint point, long position, long previousId = 0, FanOutDelivery? delivery = null)
    {
        _buffer.ResetWrittenCount();
        if (previousId > 0 && id > previousId + 1)
        {
            _buffer.Write(Gap(previousId + 1, id - 1));
        }

        var dataStart = _buffer.WrittenCount;
        _buffer.Write("id: "u8);
        WriteNumber(id);
        _buffer.Write("\nevent: data\ndata: "u8);

        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteNumber("timestamp"u8, point.Timestamp);
        switch (point.ValueCase)
        {
            case DataPoint.ValueOneofCase.NumericValue:
                _json.WriteNumber("value"u8, point.NumericValue);
                break;
            case DataPoint.ValueOneofCase.FloatValue:
                _json.WriteNumber("value"u8, point.FloatValue);
                break;
            case DataPoint.ValueOneofCase.BooleanValue:
                _json.WriteBoolean("value"u8, point.BooleanValue);
                break;
        }

        _json.WriteNumber("sequence"u8, id);
        _json.WriteEndObject();
        _json.Flush();

        _buffer.Write("\n\n"u8);
        return new SseFrame(id, _buffer.WrittenSpan.ToArray(), delivery) { Position = position, DataStart = dataStart };
    }

    public static byte[] Retry(int milliseconds) => Encoding.UTF8.GetBytes($"retry: {milliseconds}\n\n");

    /// <summary>Tells a client that events <paramref name="from"/>..<paramref name="to"/> are gone (from the replay buffer, or lost by the shared log).</summary>
    public static byte[] Gap(long from, long to) =>
        Encoding.UTF8.GetBytes($"event: gap\ndata: {{\"from\":{from},\"to\":{to},\"missed\":{to - from + 1}}}\n\n");

    /// <summary>Tells a client that its Last-Event-ID is newer than anything this service has sent.</summary>
    public static byte[] Reset(long lastEventId, long nextId) =>
        Encoding.UTF8.GetBytes($"event: reset\ndata: {{\"last_event_id\":{lastEventId},\"next_id\":{nextId},\"reason\":\"unknown event id\"}}\n\n");

    /// <summary>The "id: N\n" line a data frame starts with (used to check frames loaded from disk).</summary>
    public static byte[] IdLine(long id) => Encoding.UTF8.GetBytes($"id: {id}\n");

    private void WriteNumber(long value)
    {
        var span = _buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _buffer.Advance(written);
    }
}
