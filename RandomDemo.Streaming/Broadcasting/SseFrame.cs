namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One serialized SSE frame, shared by every client it goes to. <see cref="Id"/> is the event id
/// for data events and 0 for frames without an id (keep-alive comments).
/// </summary>
internal readonly record struct SseFrame(long Id, byte[] Bytes)
{
    public bool IsData => Id > 0;
}
