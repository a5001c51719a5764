using RandomDemo.Streaming.Telemetry;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One data event on its way to every client it was queued to, for streaming.fanout.duration:
/// each client's writer releases it after the flush that carried it (or when the client leaves
/// or is dropped without it), and the last release records the fan-out as complete. One object
/// per event and one interlocked operation per client: cheap at thousands of clients.
/// </summary>
internal sealed class FanOutDelivery(StreamingTelemetry telemetry, long publishedAt)
{
    // Clients queued minus clients released. Writers may release before the publisher has finished
    // queueing and counting, so this starts at 0, goes below 0 with early releases, and comes back
    // to 0 exactly once: when Queued has been called and every queued client has released.
    private int _outstanding;

    /// <summary>The publisher queued the event to <paramref name="clients"/> clients; call once, after the fan-out.</summary>
    public void Queued(int clients)
    {
        // No client, no fan-out to time: an idle service records nothing.
        if (clients == 0)
        {
            return;
        }

        telemetry.OnFanOutQueued();
        if (Interlocked.Add(ref _outstanding, clients) == 0)
        {
            telemetry.OnFanOutCompleted(publishedAt);
        }
    }

    /// <summary>One client flushed the event to its connection, or will never get it.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0)
        {
            telemetry.OnFanOutCompleted(publishedAt);
        }
    }
}
