using RandomDemo.Streaming.Telemetry;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One data event on its way to every client it was offered to, for streaming.fanout.duration:
/// each client releases it after the flush that carried it (or when the client leaves or is
/// dropped without it), and the last release records the fan-out as complete. One object per
/// event and one interlocked operation per client: cheap at thousands of clients.
/// </summary>
internal sealed class FanOutDelivery(StreamingTelemetry telemetry, long publishedAt)
{
    // Holders of a share (shards, then clients). Every share is handed out by a holder that still
    // holds its own, so the count reaches 0 exactly once: when every client released.
    private int _outstanding;

    /// <summary>
    /// The event is about to be handed to <paramref name="shares"/> holders (at least one); call once,
    /// before any of them can see it. A holder may <see cref="Extend"/> its share to its clients.
    /// </summary>
    public void Offering(int shares)
    {
        _outstanding = shares;
        telemetry.OnFanOutQueued();
    }

    /// <summary>
    /// A holder hands out <paramref name="more"/> shares beyond its own (-1 gives its own back);
    /// call before the new holders can see the event, while the own share is still held.
    /// </summary>
    public void Extend(int more)
    {
        if (Interlocked.Add(ref _outstanding, more) == 0)
        {
            telemetry.OnFanOutCompleted(publishedAt);
        }
    }

    /// <summary><paramref name="clients"/> clients flushed the event to their connections, or will never get it.</summary>
    public void Release(int clients = 1)
    {
        if (clients > 0 && Interlocked.Add(ref _outstanding, -clients) == 0)
        {
            telemetry.OnFanOutCompleted(publishedAt);
        }
    }
}
