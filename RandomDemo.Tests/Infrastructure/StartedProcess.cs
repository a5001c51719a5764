using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>
/// A program a test runs as a real process. Every line it writes (standard output and error) is kept
/// and copied to the test's output; waits are bounded and fail at once, with the output, if it exits
/// first; disposal kills whatever is left of it and of the processes it started.
/// </summary>
public class StartedProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ITestOutputHelper? _testOutput;
    private readonly bool _ownProcessGroup;
    private readonly TimeSpan _stopTimeout;
    private Dictionary<int, long?> _lastSeenDescendants = [];

    /// <summary>
    /// Starts <paramref name="command"/> (program and arguments) with <paramref name="environment"/> added
    /// to this process's own (a null value removes a variable). With <paramref name="ownProcessGroup"/> it
    /// leads a process group of its own, as a terminal runs a command, so that a signal can go to the
    /// whole group as Ctrl+C does.
    /// </summary>
    protected StartedProcess(
        string name,
        IReadOnlyList<string> command,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        bool ownProcessGroup = false,
        TimeSpan? stopTimeout = null)
    {
        Name = name;
        _testOutput = output;
        _ownProcessGroup = ownProcessGroup;
        _stopTimeout = stopTimeout ?? DefaultStopTimeout;

        // setsid runs the program in a new session (and process group) that it leads: its pid is the group's id.
        // env first gives SIGINT its default action back: a test run started in the background by a
        // non-interactive shell ignores SIGINT, and every process it starts would inherit that.
        string[] arguments = ownProcessGroup ? ["env", "--default-signal=INT", "setsid", .. command] : [.. command];
        var startInfo = new ProcessStartInfo(arguments[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments[1..])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The name its lines carry in the test output.</summary>
    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process has written so far, standard output and error.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Starts <paramref name="command"/>; see the constructor for the rest.</summary>
    public static StartedProcess Start(
        string name,
        IReadOnlyList<string> command,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null) =>
        new(name, command, output, environment, workingDirectory);

    /// <summary>Waits until at least <paramref name="count"/> lines of output satisfy <paramref name="match"/>; fails at once if the process exits first.</summary>
    public Task WaitForLinesAsync(Func<string, bool> match, int count, string what, TimeSpan timeout) =>
        Eventually.UntilAsync(
            async () =>
            {
                if (_output.Count(match) >= count)
                {
                    return true;
                }

                if (!_process.HasExited)
                {
                    return false;
                }

                // The exit is often seen before the last lines of output are read, and those say why.
                await Task.WhenAny(_process.WaitForExitAsync(CancellationToken.None), Task.Delay(_stopTimeout, CancellationToken.None));
                return _output.Count(match) >= count
                    ? true
                    : throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before {what}:\n{string.Join('\n', _output)}");
            },
            timeout,
            $"{count} lines of {Name} output: {what}");

    /// <summary>Waits for the process to exit and for the rest of its output; a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}");
        }

        return _process.ExitCode;
    }

    public void Signal(UnixSignal signal) => ProcessSignals.Send(ProcessId, signal);

    /// <summary>Sends <paramref name="signal"/> to every process of the group the process leads, as a terminal sends Ctrl+C.</summary>
    public void SignalGroup(UnixSignal signal) =>
        ProcessSignals.Send(_ownProcessGroup ? -ProcessId : throw new InvalidOperationException($"{Name} leads no process group"), signal);

    /// <summary>SIGSTOP until the returned handle is disposed (SIGCONT): the process stays, silent, as in a long pause.</summary>
    public IDisposable Freeze() => ProcessSignals.Freeze(ProcessId);

    /// <summary>SIGTERM, then a graceful exit is awaited; killed if it takes longer than the stop timeout.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            Signal(UnixSignal.SIGTERM);
        }
        catch (Win32Exception) when (_process.HasExited)
        {
            // It ended between the check and the signal.
            return;
        }

        try
        {
            await WaitForExitAsync(_stopTimeout);
        }
        catch (TimeoutException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL to the process (its whole group if it leads one) and to every process of it seen so far: all end at once, as in a crash.</summary>
    public void Kill()
    {
        // Only processes seen as its own, and still the same processes (same start time): a pid found
        // later, or reused since, may belong to someone else.
        var descendants = Descendants();
        if (!_process.HasExited)
        {
            try
            {
                if (_ownProcessGroup)
                {
                    ProcessSignals.Send(-ProcessId, UnixSignal.SIGKILL);
                }
                else
                {
                    _process.Kill();
                }
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException && _process.HasExited)
            {
                // It ended by itself meanwhile.
            }
        }

        foreach (var pid in descendants.Where(pid => ProcessSignals.IsAlive(pid) && ProcessTable.StartTimeOf(pid) == _lastSeenDescendants.GetValueOrDefault(pid)))
        {
            try
            {
                ProcessSignals.Send(pid, UnixSignal.SIGKILL);
            }
            catch (Win32Exception)
            {
                // Gone in between.
            }
        }

        if (!_process.WaitForExit(_stopTimeout))
        {
            throw new TimeoutException($"{Name} (pid {ProcessId}) still runs {_stopTimeout} after SIGKILL");
        }
    }

    /// <summary>
    /// The processes of this one right now: every process below it, and those that joined it from
    /// outside (<see cref="JoinedFromOutside"/>) with everything below them. Once it has exited, its pid
    /// may be reused: the last tree seen while it ran is all that can still be its own.
    /// </summary>
    public IReadOnlyList<int> Descendants()
    {
        if (_process.HasExited)
        {
            return [.. _lastSeenDescendants.Keys];
        }

        var parents = ProcessTable.Parents();
        var found = ProcessTable.Below(ProcessId, parents);
        foreach (var joined in JoinedFromOutside(parents.Keys, found).ToList())
        {
            found.Add(joined);
            found.AddRange(ProcessTable.Below(joined, parents));
        }

        _lastSeenDescendants = found.Distinct().ToDictionary(pid => pid, ProcessTable.StartTimeOf);
        return [.. _lastSeenDescendants.Keys];
    }

    /// <summary>Kills what is left (see <see cref="Kill"/>).</summary>
    public virtual ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        finally
        {
            _process.Dispose();
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Of the processes <paramref name="running"/> now, those that belong to this one though they are not
    /// below it (<paramref name="tree"/>): none, unless a subclass knows a program that leaves its parent's tree.
    /// </summary>
    protected virtual IEnumerable<int> JoinedFromOutside(IEnumerable<int> running, IReadOnlyCollection<int> tree) => [];

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        try
        {
            _testOutput?.WriteLine($"[{Name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output takes no more lines.
        }
    }
}
