using System.Globalization;
using Aspire.Hosting;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// The process behind a running resource: the snapshot's <c>executable.pid</c>, which for a project is
/// the service itself (the AppHost has DCP start its built assembly, no <c>dotnet run</c> in between).
/// </summary>
public static class ResourceProcesses
{
    public static int ServiceProcessId(DistributedApplication app, string resourceName)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resourceName, out var resource))
        {
            throw new InvalidOperationException($"{resourceName} has no state yet");
        }

        var pid = resource.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value
            ?? throw new InvalidOperationException($"{resourceName} has no executable.pid: {string.Join(", ", resource.Snapshot.Properties.Select(p => p.Name))}");
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }

    /// <summary>The program and its arguments, as the process was started.</summary>
    public static string[] CommandLineOf(int processId) =>
        File.ReadAllText($"/proc/{processId}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>SIGKILL, as in a crash.</summary>
    public static void Kill(int processId) => ProcessSignals.Send(processId, UnixSignal.SIGKILL);
}
