namespace RandomDemo.Tests.Hosting;

internal static class ProcessProbe
{
    /// <summary>
    /// True while the process runs. A zombie waiting to be reaped counts as gone (it holds no port) once its last
    /// thread has ended: the main thread shows Z while the other threads of a killed process may still be exiting.
    /// </summary>
    public static bool IsAlive(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X") || Directory.GetDirectories($"/proc/{processId}/task").Length > 1;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    public static async Task<bool> WaitUntilGoneAsync(int processId, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (IsAlive(processId))
        {
            if (deadline.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return true;
    }
}
