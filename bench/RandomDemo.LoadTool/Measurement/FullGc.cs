using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>
/// Asks a running .NET process for a full blocking GC over EventPipe (the GCHeapCollect keyword,
/// as dotnet-gcdump does) and reports its managed heap size afterwards. With it, RSS that the GC
/// merely keeps committed can be told apart from memory that live objects still hold.
/// </summary>
internal static class FullGc
{
    /// <summary>The managed heap size (all generations, LOH and POH) after an induced full GC; null if none was seen in time.</summary>
    public static async Task<long?> CollectAsync(int pid, TimeSpan timeout)
    {
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var induced = false;
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStart += start => induced |= start.Reason is GCReason.Induced or GCReason.InducedNotForced && start.Depth == 2;
        source.Clr.GCHeapStats += stats =>
        {
            if (induced)
            {
                heap.TrySetResult(stats.GenerationSize0 + stats.GenerationSize1 + stats.GenerationSize2 + stats.GenerationSize3 + stats.GenerationSize4);
            }
        };

        var processing = Task.Run(source.Process);
        long? result;
        try
        {
            result = await heap.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            result = null;
        }

        await session.StopAsync(CancellationToken.None);
        await processing.WaitAsync(TimeSpan.FromSeconds(30));
        return result;
    }
}
