using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RandomDemo.Contracts;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>
/// A program a test runs as a real process: one of our services, the AppHost, redis-server, nginx,
/// podman, or a command run to its end (how each of ours is started: StartedProcess.Programs.cs).
/// Every line it writes (standard output and error) is kept and copied to the test's output; waits
/// are bounded and fail at once, with the output, if it exits first; disposal kills whatever is left
/// of it and of the processes it started, and deletes its state directory.
/// </summary>
public sealed partial class StartedProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ITestOutputHelper? _testOutput;
    private readonly bool _ownProcessGroup;
    private readonly bool _includesDcp;
    private readonly TimeSpan _stopTimeout;
    private readonly IReadOnlyList<string> _healthChecked;
    private readonly string? _stateDirectory;
    private Dictionary<int, long?> _lastSeenDescendants = [];

    /// <summary>
    /// Starts <paramref name="command"/> (program and arguments) with <paramref name="environment"/> added
    /// to this process's own (a null value removes a variable). With <paramref name="ownProcessGroup"/> it
    /// leads a process group of its own, as a terminal runs a command, so that a signal can go to the
    /// whole group as Ctrl+C does. <paramref name="ports"/> are the loopback ports it was given, by name;
    /// those named in <paramref name="healthChecked"/> answer <see cref="HealthEndpoints.Health"/> once it
    /// serves. <paramref name="includesDcp"/>: DCP's processes that watch it belong to it (see <see cref="Descendants"/>).
    /// </summary>
    private StartedProcess(
        string name,
        IReadOnlyList<string> command,
        ITestOutputHelper? output,
        IReadOnlyDictionary<string, string?>? environment,
        string? workingDirectory,
        IReadOnlyDictionary<string, int>? ports = null,
        IReadOnlyList<string>? healthChecked = null,
        string? stateDirectory = null,
        bool ownProcessGroup = false,
        bool includesDcp = false,
        TimeSpan? stopTimeout = null)
    {
        Name = name;
        Ports = ports ?? new Dictionary<string, int>();
        _stateDirectory = stateDirectory;
        _testOutput = output;
        _healthChecked = healthChecked ?? [];
        _ownProcessGroup = ownProcessGroup;
        _includesDcp = includesDcp;
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

    /// <summary>The loopback ports it was given, by name (a service's one port carries the service's name).</summary>
    public IReadOnlyDictionary<string, int> Ports { get; }

    /// <summary>Its only port (a service's).</summary>
    public int Port => Ports.Count == 1 ? Ports.Values.Single() : throw new InvalidOperationException($"{Name} has {Ports.Count} ports, not one: name one of Ports");

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>A directory made for it (the AppHost keeps its state there), deleted on disposal.</summary>
    public string StateDirectory => _stateDirectory ?? throw new InvalidOperationException($"{Name} has no state directory");

    /// <summary>Starts <paramref name="command"/>; see the constructor for the rest.</summary>
    public static StartedProcess Start(
        string name,
        IReadOnlyList<string> command,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null) =>
        new(name, command, output, environment, workingDirectory);

    public static Task<FinishedProcess> RunAsync(params string[] command) => RunAsync(new Dictionary<string, string>(), DefaultRunTimeout, command);

    /// <summary>
    /// Runs <paramref name="command"/> to its end from the repository root with <paramref name="environment"/> added:
    /// its exit code and everything it printed; a <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<FinishedProcess> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] command)
    {
        await using var process = Start(command[0], command,
            environment: environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value),
            workingDirectory: Repository.Root);
        try
        {
            var exitCode = await process.WaitForExitAsync(timeout);
            return new FinishedProcess(exitCode, string.Join('\n', process.Output));
        }
        catch (TimeoutException)
        {
            // Disposal kills it and whatever it started.
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {timeout}");
        }
    }

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

    /// <summary>Waits until every service it runs that answers HTTP (the AppHost's gateway and streaming service) answers <see cref="HealthEndpoints.Health"/> on its port; fails at once if it exits.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in _healthChecked)
        {
            var health = new Uri($"http://127.0.0.1:{Ports[service]}{HealthEndpoints.Health}");
            await Eventually.UntilAsync(
                async () => !HasExited && await http.AnswersOkAsync(health)
                    || (HasExited ? throw new InvalidOperationException($"{Name} exited with code {ExitCode}") : false),
                timeout, $"{service} answering {health}");
        }
    }

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

    /// <summary>Ctrl+C in a terminal: SIGINT to its whole process group.</summary>
    public void PressCtrlC() => SignalGroup(UnixSignal.SIGINT);

    /// <summary>SIGKILL to the process alone, as in its crash: what it started is left to notice (<see cref="Kill"/> ends all).</summary>
    public void KillAbruptly() => Signal(UnixSignal.SIGKILL);

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
    /// The processes of this one right now: every process below it and, when it includes DCP, DCP's API
    /// server with everything below that (<see cref="DcpServersOf"/>). Once it has exited, its pid may be
    /// reused: the last tree seen while it ran is all that can still be its own.
    /// </summary>
    public IReadOnlyList<int> Descendants()
    {
        if (_process.HasExited)
        {
            return [.. _lastSeenDescendants.Keys];
        }

        var parents = ProcessTable.Parents();
        var found = ProcessTable.Below(ProcessId, parents);
        foreach (var joined in _includesDcp ? DcpServersOf(parents.Keys, found).ToList() : [])
        {
            found.Add(joined);
            found.AddRange(ProcessTable.Below(joined, parents));
        }

        _lastSeenDescendants = found.Distinct().ToDictionary(pid => pid, ProcessTable.StartTimeOf);
        return [.. _lastSeenDescendants.Keys];
    }

    /// <summary>The process ids of its processes running <paramref name="program"/> (e.g. the AppHost's <c>redis-server</c>).</summary>
    public IReadOnlyList<int> ProgramProcesses(string program) =>
        [.. Descendants().Where(pid => ProcessTable.CommandLineOf(pid).Split(' ')[0] == program)];

    /// <summary>Kills what is left (see <see cref="Kill"/>) and deletes its <see cref="StateDirectory"/>.</summary>
    public ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        finally
        {
            _process.Dispose();
            if (_stateDirectory is not null)
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Of the processes <paramref name="running"/> now, DCP's API servers that watch this process or one of
    /// <paramref name="tree"/>: DCP's API server leaves the AppHost's session and watches it with
    /// <c>--monitor PID</c>, and it and everything below it (DCP's controllers, the <c>dotnet run</c>
    /// wrappers and the services) are the app's processes too.
    /// </summary>
    private IEnumerable<int> DcpServersOf(IEnumerable<int> running, IReadOnlyCollection<int> tree) =>
        running.Where(pid => DcpMonitoredProcess().Match(ProcessTable.CommandLineOf(pid)) is { Success: true } monitor
            && int.Parse(monitor.Groups[1].Value, CultureInfo.InvariantCulture) is var monitored
            && (monitored == ProcessId || tree.Contains(monitored)));

    /// <summary>DCP's API server names the AppHost it serves: <c>dcp start-apiserver --monitor PID</c>.</summary>
    [GeneratedRegex(@"/dcp start-apiserver --monitor (\d+) ")]
    private static partial Regex DcpMonitoredProcess();

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
