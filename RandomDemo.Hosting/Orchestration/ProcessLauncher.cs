using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>
/// Starts every child process from one dedicated, long-lived thread. On Linux each child runs under
/// <c>setpriv --pdeathsig KILL</c>: the kernel kills it when the thread that forked it ends, so children die with
/// the AppHost even when it is SIGKILLed. That is why no thread-pool thread (which may end any time) forks them.
/// Each child also gets its own session (<c>setsid</c>): Ctrl+C in a terminal then reaches the AppHost only, which
/// stops the children itself, instead of every child receiving SIGINT and then the AppHost's SIGTERM too.
/// </summary>
internal sealed class ProcessLauncher : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    // On Linux: setsid setpriv --pdeathsig KILL -- dotnet {assembly}; both come with util-linux. Each execs the next.
    private readonly string[] _wrapper = OperatingSystem.IsLinux() && FindOnPath("setsid") is { } setsid && FindOnPath("setpriv") is { } setpriv
        ? [setsid, setpriv, "--pdeathsig", "KILL", "--"]
        : [];

    public ProcessLauncher()
    {
        _thread = new Thread(() =>
        {
            foreach (var start in _work.GetConsumingEnumerable())
            {
                start();
            }
        })
        { IsBackground = true, Name = "RandomDemo.Hosting process launcher" };
        _thread.Start();
    }

    /// <summary>The dotnet host running this process, used to run the resources' assemblies.</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    /// <summary>Starts <c>dotnet {assembly}</c>; <paramref name="onLine"/> receives each line of its output.</summary>
    public Task<Process> StartAsync(string assembly, string workingDirectory, IReadOnlyDictionary<string, string?> environment, Action<string, bool> onLine)
    {
        var startInfo = new ProcessStartInfo
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string[] command = [.. _wrapper, DotnetHost, assembly];
        startInfo.FileName = command[0];
        foreach (var argument in command[1..])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data, false); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data, true); } };
            try
            {
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                started.SetResult(process);
            }
            catch (Exception ex)
            {
                process.Dispose();
                started.SetException(ex);
            }
        });
        return started.Task;
    }

    /// <summary>Ends the launcher thread; call only once every child has exited (ending it kills them).</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _work.Dispose();
    }

    private static string FindDotnetHost()
    {
        // The runtime lives in {dotnet root}/shared/Microsoft.NETCore.App/{version}/, next to the dotnet host.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
