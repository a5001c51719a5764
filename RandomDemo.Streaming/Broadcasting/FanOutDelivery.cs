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
    // Clients that still hold the event. Set once, before any client can see the event, so it
    // only goes down and reaches 0 exactly once.
    private int _outstanding;

    /// <summary>
    /// The event is about to be offered to at most <paramref name="clients"/> clients; call once,
    /// before offering it, then <see cref="Release"/> the share of every client that did not take it.
    /// </summary>
    public void Offering(int clients)
    {
        // No client, no fan-out to time: an idle service records nothing.
        if (clients == 0)
        {
            return;
        }

        _outstanding = clients;
        telemetry.OnFanOutQueued();
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
