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
}
