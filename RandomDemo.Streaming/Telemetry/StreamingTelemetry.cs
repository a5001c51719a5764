using System.Diagnostics.Metrics;
using RandomDemo.Streaming.Broadcasting;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Streaming.Upstream;

namespace RandomDemo.Streaming.Telemetry;

/// <summary>
/// The streaming service's own instruments, on the meter named after the application: the one
/// ServiceDefaults exports, so the Aspire dashboard shows them under the streaming resource.
/// Dashboards, alerts and the benchmarks' fan-out targets use these names and units; keep them stable.
/// <code>
/// streaming.clients              {client}     up-down counter  connected /stream clients            (/metrics clients)
/// streaming.events.received      {event}      counter          points from the upstream gRPC stream (/metrics messages_received)
/// streaming.events.sent          {event}      counter          data events flushed, per client      (/metrics messages_sent)
/// streaming.upstream.reconnects  {reconnect}  counter          upstream re-established after breaks (/metrics upstream_reconnects)
/// streaming.clients.dropped      {client}     counter          clients cut off for a full queue     (/metrics clients_dropped)
/// streaming.fanout.pending       {event}      up-down counter  events some client has yet to flush  (/metrics fanouts_pending)
/// streaming.log.lag              {event}      gauge            shared-log events not sent yet       (/metrics log_lag)
/// streaming.fanout.duration      s            histogram        publish until the last client it was queued to
///                                                              has flushed it to its connection (or left)
/// </code>
/// Durations are in seconds, as OpenTelemetry's conventions have them (like http.server.request.duration);
/// the buckets resolve milliseconds. The counters are observed: they read the counts /metrics shows
/// when a reader collects, and cost nothing on the fan-out path.
/// </summary>
internal sealed class StreamingTelemetry
{
    // Finest in the tens of milliseconds, where a fan-out to thousands of clients lands, with boundaries at
    // round figures so that the share of fan-outs within a target reads straight off the buckets.
    private static readonly double[] FanOutBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _fanOutDuration;
    private long _fanOutsPending;

    public StreamingTelemetry(IMeterFactory meterFactory, IHostEnvironment environment, TimeProvider time)
    {
        _meter = meterFactory.Create(environment.ApplicationName);
        _time = time;
        _fanOutDuration = _meter.CreateHistogram(
            "streaming.fanout.duration",
            "s",
            "From publishing an event until the last client it was queued to has flushed it to its connection (or left).",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = FanOutBuckets });
        _meter.CreateObservableUpDownCounter("streaming.fanout.pending", () => FanOutsPending, "{event}",
            "Published events that some client they were queued to has not flushed yet.");
    }

    /// <summary>Published events that some client they were queued to has not flushed (or given up) yet.</summary>
    public long FanOutsPending => Interlocked.Read(ref _fanOutsPending);

    /// <summary>Starts timing one event's fan-out, now.</summary>
    public FanOutDelivery StartFanOut() => new(this, _time.GetTimestamp());

    /// <summary>
    /// Adds the instruments that mirror the broadcaster's and the upstream's counts; call once,
    /// with the broadcaster that records fan-outs here.
    /// </summary>
    public void ObserveCounts(EventBroadcaster broadcaster, UpstreamStatus upstream, EventLogStatus eventLog)
    {
        _meter.CreateObservableUpDownCounter("streaming.clients", () => broadcaster.Clients, "{client}", "Connected /stream clients.");
        _meter.CreateObservableCounter("streaming.events.received", () => upstream.MessagesReceived, "{event}", "Data points received from the upstream gRPC stream.");
        _meter.CreateObservableCounter("streaming.events.sent", () => broadcaster.MessagesSent, "{event}", "Data events flushed to clients, counted once per client.");
        _meter.CreateObservableCounter("streaming.upstream.reconnects", () => upstream.Reconnects, "{reconnect}", "Times the upstream stream was re-established after a break.");
        _meter.CreateObservableCounter("streaming.clients.dropped", () => broadcaster.ClientsDropped, "{client}", "Clients disconnected because their queue was full.");
        _meter.CreateObservableGauge("streaming.log.lag", () => eventLog.Lag(broadcaster.LastEventId), "{event}", "Events in the shared event log this replica has not sent yet (0 without one).");
    }

    internal void OnFanOutQueued() => Interlocked.Increment(ref _fanOutsPending);

    internal void OnFanOutCompleted(long publishedAt)
    {
        Interlocked.Decrement(ref _fanOutsPending);
        _fanOutDuration.Record(_time.GetElapsedTime(publishedAt).TotalSeconds);
    }
}
