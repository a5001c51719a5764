using System.Runtime.InteropServices;

namespace RandomDemo.Hosting.Orchestration;

internal static partial class PosixSignals
{
    private const int Sigterm = 15;

    /// <summary>Asks a process to shut down gracefully (SIGTERM); false where POSIX signals do not exist.</summary>
    public static bool Terminate(int processId) =>
        !OperatingSystem.IsWindows() && Kill(processId, Sigterm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
