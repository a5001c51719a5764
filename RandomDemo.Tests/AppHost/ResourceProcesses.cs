using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// The processes behind a running resource. DCP starts a project as <c>dotnet run --no-build</c>,
/// whose child is the service itself; the snapshot's <c>executable.pid</c> names the wrapper.
/// </summary>
public static class ResourceProcesses
{
    public static int WrapperProcessId(DistributedApplication app, string resourceName)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resourceName, out var resource))
        {
            throw new InvalidOperationException($"{resourceName} has no state yet");
        }

        var pid = resource.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value
            ?? throw new InvalidOperationException($"{resourceName} has no executable.pid: {string.Join(", ", resource.Snapshot.Properties.Select(p => p.Name))}");
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }

    /// <summary>The service process: the wrapper's only child (the wrapper itself if it has none).</summary>
    public static int ServiceProcessId(DistributedApplication app, string resourceName)
    {
        var wrapper = WrapperProcessId(app, resourceName);
        return ProcessTable.ChildrenOf(wrapper) is [var service] ? service : wrapper;
    }

    /// <summary>SIGKILL, as in a crash.</summary>
    public static void Kill(int processId) => ProcessSignals.Send(processId, UnixSignal.SIGKILL);
}
