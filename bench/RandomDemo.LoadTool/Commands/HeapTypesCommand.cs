using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using RandomDemo.LoadTool.Cli;

namespace RandomDemo.LoadTool.Commands;

/// <summary>
/// What the live managed heap of a running .NET process is made of, by type: an induced full GC
/// with the heap-dump keywords (as dotnet-gcdump asks for), summing the GC's bulk node events per
/// type. Divide by the connections held to see what one connection costs.
/// </summary>
internal static class HeapTypesCommand
{
    public static readonly string[] Flags = ["pid", "top", "per"];

    public static async Task<int> RunAsync(CommandLine commandLine, CancellationToken cancellation)
    {
        var pid = commandLine.ProcessId("pid") ?? throw new UsageException("'heap-types' needs --pid");
        var top = commandLine.Int("top", 25, 1, 500);
        var per = commandLine.Int("per", 1, 1, 10_000_000);

        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect
            | ClrTraceEventParser.Keywords.GCHeapDump | ClrTraceEventParser.Keywords.GCHeapAndTypeNames | ClrTraceEventParser.Keywords.Type);
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, keywords)], requestRundown: false, circularBufferMB: 512);
        using var source = new EventPipeEventSource(session.EventStream);

        var typeNames = new Dictionary<ulong, string>();
        var bytesByType = new Dictionary<ulong, (long Bytes, long Count)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var induced = false;
        source.Clr.GCStart += start => induced |= start.Reason is GCReason.Induced or GCReason.InducedNotForced && start.Depth == 2;
        source.Clr.TypeBulkType += types =>
        {
            for (var i = 0; i < types.Count; i++)
            {
                var type = types.Values(i);
                if (!string.IsNullOrEmpty(type.TypeName))
                {
                    typeNames[type.TypeID] = type.TypeName;
                }
            }
        };
        source.Clr.GCBulkNode += nodes =>
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes.Values(i);
                var (bytes, count) = bytesByType.GetValueOrDefault(node.TypeID);
                bytesByType[node.TypeID] = (bytes + (long)node.Size, count + 1);
            }
        };
        source.Clr.GCStop += _ =>
        {
            if (induced)
            {
                done.TrySetResult();
            }
        };

        var processing = Task.Run(source.Process, CancellationToken.None);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellation);
        // The bulk type events of the dump arrive after the GC ends; give them a moment.
        await Task.Delay(TimeSpan.FromSeconds(3), cancellation);
        await session.StopAsync(CancellationToken.None);
        await processing.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);

        var total = bytesByType.Values.Sum(entry => entry.Bytes);
        Console.WriteLine($"heap-types pid {pid}: {total / 1048576.0:F1} MB live in {bytesByType.Values.Sum(e => e.Count)} objects{(per > 1 ? $"; per {per}: {total / (double)per:F0} bytes" : "")}");
        foreach (var (typeId, (bytes, count)) in bytesByType.OrderByDescending(entry => entry.Value.Bytes).Take(top))
        {
            var name = typeNames.GetValueOrDefault(typeId, $"type {typeId:x}");
            Console.WriteLine($"  {bytes / 1024.0,10:F0} KB {count,9} objects {(per > 1 ? $"{bytes / (double)per,8:F0} B {count / (double)per,6:F2}/per  " : "")}{name}");
        }

        return 0;
    }
}
