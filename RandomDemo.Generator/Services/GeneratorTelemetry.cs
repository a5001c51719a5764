using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RandomDemo.Generator;

/// <summary>The generator's own traces and metrics (source and meter named after the app, see ServiceDefaults).</summary>
internal sealed class GeneratorTelemetry
{
    public const string Name = "RandomDemo.Generator";

    public static readonly ActivitySource ActivitySource = new(Name);

    public GeneratorTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        ActiveStreams = meter.CreateUpDownCounter<long>("randomdemo.generator.active_streams", "{stream}", "Open StreamRandomData calls.");
        PointsSent = meter.CreateCounter<long>("randomdemo.generator.points_sent", "{point}", "Data points written to streams.");
    }

    public UpDownCounter<long> ActiveStreams { get; }

    public Counter<long> PointsSent { get; }
}
