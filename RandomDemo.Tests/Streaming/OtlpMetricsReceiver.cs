using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// A minimal OTLP/HTTP (protobuf) receiver on a free loopback port, standing in for the Aspire
/// dashboard: a service pointed at it (<see cref="ExporterEnvironment"/>) exports its metrics here,
/// and the newest value of each metric is kept. Logs and traces are accepted and ignored.
/// </summary>
public sealed class OtlpMetricsReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, ExportedMetric> _latest = new();
    private readonly Task _serving;
    private readonly int _port = LoopbackPort.Free();

    public OtlpMetricsReceiver()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>Environment that points a service's OTLP exporter here, exporting metrics every 250 ms.</summary>
    public IReadOnlyDictionary<string, string?> ExporterEnvironment => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{_port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
    };

    /// <summary>Waits until every metric in <paramref name="names"/> has been exported and <paramref name="done"/> holds for them.</summary>
    public Task<IReadOnlyDictionary<string, ExportedMetric>> WaitForAsync(IReadOnlyCollection<string> names, Func<IReadOnlyDictionary<string, ExportedMetric>, bool> done, TimeSpan timeout, string what) =>
        Eventually.UntilAsync(
            () => (IReadOnlyDictionary<string, ExportedMetric>)names.Where(_latest.ContainsKey).ToDictionary(name => name, name => _latest[name]),
            metrics => metrics.Count == names.Count && done(metrics),
            timeout,
            what);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopped while waiting for a request.
        }

        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            if (context.Request.Url?.AbsolutePath == "/v1/metrics")
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                foreach (var metric in OtlpMetricsReader.Read(body.ToArray()))
                {
                    _latest[metric.Name] = metric;
                }
            }

            // An empty Export*ServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}

/// <summary>One metric as exported: its meter (instrumentation scope), name, unit, kind and newest value.</summary>
public sealed record ExportedMetric(string Meter, string Name, string Unit, string Kind, double Value, ExportedHistogram? Histogram);

public sealed record ExportedHistogram(ulong Count, double Sum, IReadOnlyList<double> Bounds, IReadOnlyList<ulong> BucketCounts)
{
    public override string ToString() => $"count {Count}, sum {Sum}, buckets [{string.Join(' ', BucketCounts)}] at [{string.Join(' ', Bounds)}]";
}

/// <summary>
/// Reads an OTLP ExportMetricsServiceRequest (opentelemetry/proto/metrics/v1/metrics.proto) with
/// the protobuf wire reader, field numbers by hand: only what the tests look at.
/// </summary>
internal static class OtlpMetricsReader
{
    public static List<ExportedMetric> Read(byte[] request)
    {
        var metrics = new List<ExportedMetric>();
        ForEachField(ByteString.CopyFrom(request), (number, input) =>
        {
            if (number != 1)
            {
                return false;
            }

            // ResourceMetrics: scope_metrics = 2.
            ForEachField(input.ReadBytes(), (resourceField, resource) =>
            {
                if (resourceField != 2)
                {
                    return false;
                }

                ReadScopeMetrics(resource.ReadBytes(), metrics);
                return true;
            });
            return true;
        });
        return metrics;
    }

    /// <summary>ScopeMetrics: scope = 1 (InstrumentationScope: name = 1), metrics = 2.</summary>
    private static void ReadScopeMetrics(ByteString scopeMetrics, List<ExportedMetric> into)
    {
        var meter = "";
        var metrics = new List<ByteString>();
        ForEachField(scopeMetrics, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    ForEachField(input.ReadBytes(), (scopeField, scope) =>
                    {
                        if (scopeField != 1)
                        {
                            return false;
                        }

                        meter = scope.ReadString();
                        return true;
                    });
                    return true;
                case 2:
                    metrics.Add(input.ReadBytes());
                    return true;
                default:
                    return false;
            }
        });
        into.AddRange(metrics.Select(metric => ReadMetric(meter, metric)));
    }

    /// <summary>Metric: name = 1, unit = 3, gauge = 5, sum = 7 (is_monotonic = 3), histogram = 9; data points = 1 in each.</summary>
    private static ExportedMetric ReadMetric(string meter, ByteString metric)
    {
        string name = "", unit = "", kind = "";
        double value = 0;
        ExportedHistogram? histogram = null;
        ForEachField(metric, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    name = input.ReadString();
                    return true;
                case 3:
                    unit = input.ReadString();
                    return true;
                case 5:
                    kind = "gauge";
                    value = ReadNumberPoints(input.ReadBytes(), out _);
                    return true;
                case 7:
                    value = ReadNumberPoints(input.ReadBytes(), out var monotonic);
                    kind = monotonic ? "counter" : "updowncounter";
                    return true;
                case 9:
                    kind = "histogram";
                    histogram = ReadHistogramPoint(input.ReadBytes());
                    return true;
                default:
                    return false;
            }
        });
        return new ExportedMetric(meter, name, unit, kind, value, histogram);
    }

    /// <summary>The sum of the points' values (the instruments here have one point each); NumberDataPoint: as_double = 4, as_int = 6.</summary>
    private static double ReadNumberPoints(ByteString data, out bool monotonic)
    {
        double total = 0;
        var isMonotonic = false;
        ForEachField(data, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    ForEachField(input.ReadBytes(), (pointField, point) =>
                    {
                        switch (pointField)
                        {
                            case 4:
                                total += point.ReadDouble();
                                return true;
                            case 6:
                                total += point.ReadSFixed64();
                                return true;
                            default:
                                return false;
                        }
                    });
                    return true;
                case 3:
                    isMonotonic = input.ReadBool();
                    return true;
                default:
                    return false;
            }
        });
        monotonic = isMonotonic;
        return total;
    }

    /// <summary>The (one) HistogramDataPoint: count = 4, sum = 5, bucket_counts = 6, explicit_bounds = 7 (packed or not).</summary>
    private static ExportedHistogram? ReadHistogramPoint(ByteString histogram)
    {
        ExportedHistogram? result = null;
        ForEachField(histogram, (number, input) =>
        {
            if (number != 1)
            {
                return false;
            }

            ulong count = 0;
            double sum = 0;
            var bounds = new List<double>();
            var buckets = new List<ulong>();
            // Read by hand rather than with ForEachField: the repeated fields need their tag (packed or not).
            var point = input.ReadBytes().CreateCodedInput();
            uint tag;
            while ((tag = point.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 4:
                        count = point.ReadFixed64();
                        break;
                    case 5:
                        sum = point.ReadDouble();
                        break;
                    case 6:
                        ReadRepeated(point, tag, buckets, static values => values.ReadFixed64());
                        break;
                    case 7:
                        ReadRepeated(point, tag, bounds, static values => values.ReadDouble());
                        break;
                    default:
                        point.SkipLastField();
                        break;
                }
            }

            result = new ExportedHistogram(count, sum, bounds, buckets);
            return true;
        });
        return result;
    }

    private static void ReadRepeated<T>(CodedInputStream input, uint tag, List<T> into, Func<CodedInputStream, T> readOne)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(readOne(input));
            return;
        }

        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd)
        {
            into.Add(readOne(packed));
        }
    }

    /// <summary>Calls <paramref name="read"/> for each field of a message; a field it does not read (returns false) is skipped.</summary>
    private static void ForEachField(ByteString message, Func<int, CodedInputStream, bool> read)
    {
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!read(WireFormat.GetTagFieldNumber(tag), input))
            {
                input.SkipLastField();
            }
        }
    }
}
