using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// Watches a running .NET process over EventPipe (what dotnet-counters and dotnet-trace use) for a
/// while: bytes allocated (the runtime's alloc-rate counter), GCs per generation, and the types
/// that allocate most (GC AllocationTick samples, one per ~100 KB). Divide the bytes by the
/// requests or events of the same window to get bytes per request or per event. Why GCs happen:
/// the trigger reason of each GC, and what each one promoted (bytes surviving gen0 and gen1) and
/// found pinned, which is what pushes collections into gen1.
/// </summary>
internal static class RuntimeStatsCommand
{
    public static readonly string[] Flags = ["pid", "seconds", "top"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var pid = commandLine.ProcessId("pid") ?? throw new UsageException("'runtime-stats' needs --pid");
        var seconds = commandLine.Int("seconds", 10, 1, 600);
        var top = commandLine.Int("top", 12, 0, 100);

        var providers = new[]
        {
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GC),
            new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" }),
        };

        long allocatedBytes = 0;
        var gcs = new long[3];
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        long heapStats = 0, promotedGen0 = 0, promotedGen1 = 0, pinnedObjects = 0;
        var sampledByType = new Dictionary<string, long>(StringComparer.Ordinal);
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 256);
        using var source = new EventPipeEventSource(session.EventStream);
        source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) =>
        {
            var type = tick.TypeName ?? "?";
            sampledByType[type] = sampledByType.GetValueOrDefault(type) + tick.AllocationAmount64;
        };
        source.Clr.GCStart += (GCStartTraceData start) =>
        {
            gcs[Math.Clamp(start.Depth, 0, 2)]++;
            var reason = $"gen{start.Depth} {start.Reason}";
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        };
        source.Clr.GCHeapStats += (GCHeapStatsTraceData stats) =>
        {
            heapStats++;
            promotedGen0 += stats.TotalPromotedSize0;
            promotedGen1 += stats.TotalPromotedSize1;
            pinnedObjects += stats.PinnedObjectCount;
        };
        source.Dynamic.All += data =>
        {
            if (data.EventName == "EventCounters" && data.PayloadValue(0) is IDictionary<string, object> payload
                && payload.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> counter
                && counter.TryGetValue("Name", out var name) && (string)name == "alloc-rate"
                && counter.TryGetValue("Increment", out var increment))
            {
                allocatedBytes += Convert.ToInt64(increment, System.Globalization.CultureInfo.InvariantCulture);
            }
        };

        var processing = Task.Run(source.Process, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation);
        await session.StopAsync(CancellationToken.None);
        await processing.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        var sampledTotal = Math.Max(1, sampledByType.Values.Sum());
        Console.WriteLine($"runtime-stats pid {pid}, {seconds} s: allocated {allocatedBytes / (1024.0 * 1024):F1} MB ({allocatedBytes / (double)seconds / (1024 * 1024):F1} MB/s); GCs gen0 {gcs[0]}, gen1 {gcs[1]}, gen2 {gcs[2]}");
        if (heapStats > 0)
        {
            Console.WriteLine($"  per GC: promoted from gen0 {promotedGen0 / heapStats / 1024.0:F0} KB, from gen1 {promotedGen1 / heapStats / 1024.0:F0} KB, pinned objects {pinnedObjects / (double)heapStats:F0}; "
                + $"triggers: {string.Join(", ", reasons.OrderByDescending(entry => entry.Value).Select(entry => $"{entry.Key} x{entry.Value}"))}");
        }

        foreach (var (type, bytes) in sampledByType.OrderByDescending(entry => entry.Value).Take(top))
        {
            Console.WriteLine($"  {100.0 * bytes / sampledTotal,5:F1}%  {type}");
        }

        Console.WriteLine($"RESULT runtime pid={pid} seconds={seconds} allocated_bytes={allocatedBytes} gen0={gcs[0]} gen1={gcs[1]} gen2={gcs[2]} promoted_gen0_kb_per_gc={(heapStats == 0 ? 0 : promotedGen0 / heapStats / 1024)}");
        return 0;
    }
}
