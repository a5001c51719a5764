using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Hosting;

/// <summary>The AppHost run as a real process (<c>dotnet RandomDemo.AppHost.dll args</c>), output redirected.</summary>
internal sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ITestOutputHelper _output;

    private AppHostProcess(Process process, ITestOutputHelper output)
    {
        _process = process;
        _output = output;
    }

    public int ProcessId => _process.Id;

    public IReadOnlyCollection<string> Lines => _lines;

    public static AppHostProcess Start(ITestOutputHelper output, params string[] args) => Start(output, ownProcessGroup: false, args);

    /// <param name="ownProcessGroup">Runs it under <c>setsid</c>, as a shell runs a foreground job, so that
    /// <see cref="InterruptProcessGroup"/> can do what Ctrl+C in a terminal does.</param>
    public static AppHostProcess Start(ITestOutputHelper output, bool ownProcessGroup, params string[] args)
    {
        var startInfo = new ProcessStartInfo(ownProcessGroup ? "setsid" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ownProcessGroup)
        {
            startInfo.ArgumentList.Add("dotnet");
        }

        startInfo.ArgumentList.Add(new Projects.RandomDemo_AppHost().TargetPath);
        foreach (var argument in args)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Output is redirected here: nothing may force colours on.
        startInfo.Environment.Remove("DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION");
        var process = new Process { StartInfo = startInfo };
        var appHost = new AppHostProcess(process, output);
        process.OutputDataReceived += (_, e) => appHost.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => appHost.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return appHost;
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The AppHost printed no matching line (exited: {_process.HasExited}).");
    }

    /// <summary>Waits for the AppHost to exit and returns its exit code (after the last line of output).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public void Terminate() => Assert.Equal(0, Kill(_process.Id, 15));

    /// <summary>SIGINT to the AppHost's whole process group: what a terminal does on Ctrl+C.</summary>
    public void InterruptProcessGroup() => Assert.Equal(0, Kill(-_process.Id, 2));

    /// <summary>SIGKILL: the AppHost gets no chance to stop its children.</summary>
    public void KillAbruptly() => _process.Kill(entireProcessTree: false);

    /// <summary>The process id of each resource, from the AppHost's "{name} is Running (pid N, ...)" lines.</summary>
    public Dictionary<string, int> ResourceProcessIds() =>
        _lines.Select(line => RunningLine().Match(line))
            .Where(match => match.Success)
            .GroupBy(match => match.Groups["name"].Value)
            .ToDictionary(group => group.Key, group => int.Parse(group.Last().Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        try
        {
            _output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\| (?<name>[\w-]+) is Running \(pid (?<pid>\d+)")]
    private static partial System.Text.RegularExpressions.Regex RunningLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
