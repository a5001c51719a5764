namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One serialized SSE frame, shared by every client it goes to. <see cref="Id"/> is the event id
/// for data events and 0 for frames without an id (keep-alive comments). A live data event carries
/// its <see cref="Delivery"/>; replayed, saved and keep-alive frames have none. A class, so that a
/// writer reading the live ring while the publisher fills another slot never sees half a frame.
/// </summary>
internal sealed record SseFrame(long Id, byte[] Bytes, FanOutDelivery? Delivery = null)
{
    public bool IsData => Id > 0;

    /// <summary>
    /// The frame's place in this process's sequence of events (live ring, replay buffer, each
    /// client's progress): consecutive even where ids are not, which only a shared log's lost
    /// entries cause. Equal to <see cref="Id"/> otherwise.
    /// </summary>
    public long Position { get; init; }

    /// <summary>
    /// Where <see cref="Bytes"/> holds the data event: after a <c>gap</c> event for the ids skipped
    /// before this one (0 when there is none).
    /// </summary>
    public int DataStart { get; init; }

    /// <summary>The same event without its gap notice, for a replay that announces its own.</summary>
    public SseFrame WithoutGapNotice() => DataStart == 0 ? this : this with { Bytes = Bytes[DataStart..], DataStart = 0 };
}
