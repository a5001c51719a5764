namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// Latencies in microseconds, in 10 µs buckets up to 10 s (one overflow bucket above). Recording
/// is lock-free and safe from any thread; a run of millions of samples costs 8 MB, not a list.
/// </summary>
internal sealed class LatencyHistogram
{
    private const long BucketMicros = 10;
    private const long RangeMicros = 10_000_000;

    private readonly long[] _buckets = new long[(RangeMicros / BucketMicros) + 1];
    private long _count;
    private long _maxMicros;

    public long Count => Interlocked.Read(ref _count);

    public void Record(long micros)
    {
        micros = Math.Max(0, micros);
        Interlocked.Increment(ref _buckets[Math.Min(micros / BucketMicros, _buckets.Length - 1)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _maxMicros);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicros, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The upper edge of the bucket holding the given fraction (0..1) of samples, in ms.</summary>
    public double PercentileMs(double fraction)
    {
        var count = Count;
        if (count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(fraction * count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                return i == _buckets.Length - 1 ? MaxMs : Math.Min((i + 1) * BucketMicros, Interlocked.Read(ref _maxMicros)) / 1000.0;
            }
        }

        return MaxMs;
    }

    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;

    public string Summary() => Count == 0
        ? "n=0"
        : $"p50={PercentileMs(0.50):F2} p90={PercentileMs(0.90):F2} p99={PercentileMs(0.99):F2} p99.9={PercentileMs(0.999):F2} max={MaxMs:F2} ms (n={Count})";
}
