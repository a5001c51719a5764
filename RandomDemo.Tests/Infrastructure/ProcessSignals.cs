using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>The POSIX signals the tests send, with their Linux numbers (SIGCONT and SIGSTOP differ on other systems).</summary>
public enum UnixSignal
{
    SIGINT = 2,
    SIGKILL = 9,
    SIGTERM = 15,
    SIGCONT = 18,
    SIGSTOP = 19,
}

/// <summary>Signals to processes by id, and whether they are still there (Linux: kill(2) and /proc).</summary>
public static partial class ProcessSignals
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; a negative id means that process group.</summary>
    public static void Send(int processId, UnixSignal signal)
    {
        if (Kill(processId, (int)signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({processId}, {signal}) failed");
        }
    }

    /// <summary>Stops <paramref name="processId"/> (SIGSTOP) until the returned handle is disposed (SIGCONT).</summary>
    public static IDisposable Freeze(int processId)
    {
        Send(processId, UnixSignal.SIGSTOP);
        return new Frozen(processId);
    }

    /// <summary>
    /// True while the process runs. A zombie waiting to be reaped counts as gone (it holds no port) once its last
    /// thread has ended: the main thread shows Z while the other threads of a killed process may still be exiting.
    /// </summary>
    public static bool IsAlive(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X") || Directory.GetDirectories($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/task").Length > 1;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until the process is gone; a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task WaitUntilGoneAsync(int processId, TimeSpan timeout) =>
        Eventually.UntilAsync(() => IsAlive(processId), alive => !alive, timeout, $"process {processId} to exit");

    private sealed class Frozen(int processId) : IDisposable
    {
        public void Dispose() => Send(processId, UnixSignal.SIGCONT);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
