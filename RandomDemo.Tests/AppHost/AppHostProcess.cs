using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// The AppHost as a user runs it: its built program, in a process group of its own (as a terminal
/// runs a command, so that Ctrl+C can be sent to the group), with the dashboard, on free ports.
/// Disposal kills whatever of the app is left.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ITestOutputHelper _output;
    private Dictionary<int, long?> _lastSeenDescendants = [];

    private AppHostProcess(Process process, ITestOutputHelper output, IReadOnlyDictionary<string, int> ports, string stateDirectory)
    {
        _process = process;
        _output = output;
        Ports = ports;
        StateDirectory = stateDirectory;
    }

    /// <summary>The ports given to each resource (and the dashboard's), by name.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; }

    public string StateDirectory { get; }

    public int ProcessId => _process.Id;

    /// <summary>Standard output and error so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// Starts the AppHost's built program with free ports for every service and the dashboard;
    /// <paramref name="arguments"/> come after those, so they can override them (e.g. a port that is in use).
    /// </summary>
    public static AppHostProcess Start(ITestOutputHelper output, params string[] arguments) =>
        Start(output, ["dotnet", ServiceProcess.BuildOutput("RandomDemo.AppHost")], arguments, home: null);

    /// <summary>
    /// <see cref="Start(ITestOutputHelper, string[])"/> with <paramref name="home"/> as the home directory,
    /// where the Aspire CLI and the AppHost keep their state (development certificate, backchannel sockets).
    /// </summary>
    public static AppHostProcess StartIn(ITestOutputHelper output, string home) =>
        Start(output, ["dotnet", ServiceProcess.BuildOutput("RandomDemo.AppHost")], [], home);

    /// <summary>
    /// Starts the app with the Aspire CLI (<c>aspire run</c>, from the repository's tool manifest) in
    /// isolated mode, which gives the dashboard free ports; the services get the free ports by name.
    /// </summary>
    /// <remarks>
    /// <c>aspire run</c> stops any other running instance of the same AppHost it finds through the
    /// sockets under <c>~/.aspire</c>, the tests' own apps included; in a home of its own (<paramref name="home"/>)
    /// it finds none. NuGet's package folder and the .NET CLI's home stay the user's, where the CLI tool is restored.
    /// </remarks>
    public static AppHostProcess StartWithAspireCli(ITestOutputHelper output, string home) =>
        Start(output, ["dotnet", "tool", "run", "aspire", "run", "--isolated", "--non-interactive", "--nologo", "--no-build", "--apphost", "RandomDemo.AppHost", "--"], [], home);

    private static AppHostProcess Start(ITestOutputHelper output, string[] launcher, string[] arguments, string? home)
    {
        var ports = new[] { "generator", "gateway", "streaming", "dashboard", "otlp", "resource-service" }
            .ToDictionary(name => name, _ => ServiceProcess.FreePort());
        var stateDirectory = Directory.CreateTempSubdirectory("randomdemo-apphost-").FullName;
        var startInfo = new ProcessStartInfo("env")
        {
            WorkingDirectory = ServiceProcess.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // setsid runs the program in a new session (and process group) that it leads: its pid is the group's id.
        // env first gives Ctrl+C its default action back: a test run started in the background by a
        // non-interactive shell ignores SIGINT, and every process it starts would inherit that.
        startInfo.ArgumentList.Add("--default-signal=INT");
        startInfo.ArgumentList.Add("setsid");
        foreach (var part in launcher)
        {
            startInfo.ArgumentList.Add(part);
        }

        foreach (var service in (string[])["generator", "gateway", "streaming"])
        {
            startInfo.ArgumentList.Add($"--Ports:{service}={ports[service]}");
        }

        startInfo.ArgumentList.Add($"--AppHost:StateDirectory={stateDirectory}");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // What the AppHost's http launch profile sets, on free ports.
        if (home is not null)
        {
            var userHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            startInfo.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(userHome, ".nuget", "packages");
            startInfo.Environment["DOTNET_CLI_HOME"] = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? userHome;
            startInfo.Environment["HOME"] = home;
        }

        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://localhost:{ports["dashboard"]}";
        startInfo.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{ports["otlp"]}";
        startInfo.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{ports["resource-service"]}";

        var process = new Process { StartInfo = startInfo };
        var appHost = new AppHostProcess(process, output, ports, stateDirectory);
        process.OutputDataReceived += (_, e) => appHost.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => appHost.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return appHost;
    }

    /// <summary>Waits until the gateway and the streaming service answer /health on their ports.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in (string[])["gateway", "streaming"])
        {
            var health = new Uri($"http://127.0.0.1:{Ports[service]}/health");
            await Eventually.UntilAsync(
                async () => !_process.HasExited && await AnswersAsync(http, health)
                    || (_process.HasExited ? throw new InvalidOperationException($"The AppHost exited with code {_process.ExitCode}") : false),
                timeout, $"{service} answering {health}");
        }
    }

    /// <summary>
    /// Every process of the app right now: the AppHost's children, and DCP's API server (which leaves the
    /// AppHost's session and watches it with <c>--monitor PID</c>) with everything below it (DCP's
    /// controllers, the <c>dotnet run</c> wrappers and the services).
    /// </summary>
    public IReadOnlyList<int> Descendants()
    {
        // Once the AppHost has exited its pid may be reused (pid_max is 32,768 here): the last tree
        // seen while it ran is all that can still be ours.
        if (_process.HasExited)
        {
            return [.. _lastSeenDescendants.Keys];
        }

        var parents = new Dictionary<int, int>();
        var apiServers = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) is int parent)
            {
                parents[pid] = parent;
                if (DcpMonitoredProcess().Match(CommandLineOf(pid)) is { Success: true } monitor)
                {
                    apiServers[pid] = int.Parse(monitor.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        var found = TreeBelow(ProcessId, parents);
        foreach (var (apiServer, monitored) in apiServers)
        {
            if (monitored == ProcessId || found.Contains(monitored))
            {
                found.Add(apiServer);
                found.AddRange(TreeBelow(apiServer, parents));
            }
        }

        _lastSeenDescendants = found.ToDictionary(pid => pid, StartTimeOf);
        return found;
    }

    private static List<int> TreeBelow(int root, Dictionary<int, int> parents)
    {
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>DCP's API server names the AppHost it serves: <c>dcp start-apiserver --monitor PID</c>.</summary>
    [GeneratedRegex(@"/dcp start-apiserver --monitor (\d+) ")]
    private static partial Regex DcpMonitoredProcess();

    /// <summary>The process ids of the services themselves (not their <c>dotnet run</c> wrappers), by name.</summary>
    public IReadOnlyDictionary<string, int> ServiceProcesses() => Descendants()
        .Select(pid => (Pid: pid, Service: ServiceProjects.FirstOrDefault(project => IsServiceProgram(CommandLineOf(pid), project))))
        .Where(p => p.Service is not null)
        .ToDictionary(p => p.Service!, p => p.Pid);

    /// <summary>The process ids of every copy of one service (its replicas), e.g. <c>RandomDemo.Streaming</c>.</summary>
    public IReadOnlyList<int> ReplicaProcesses(string project) =>
        [.. Descendants().Where(pid => IsServiceProgram(CommandLineOf(pid), project))];

    /// <summary>The process ids of the app's processes running <paramref name="program"/> (a resource that is not a project, e.g. <c>redis-server</c>).</summary>
    public IReadOnlyList<int> ProgramProcesses(string program) =>
        [.. Descendants().Where(pid => CommandLineOf(pid).Split(' ')[0] == program)];

    /// <summary>The port a service process was told to listen on (<c>ASPNETCORE_URLS</c> in its environment, as DCP set it).</summary>
    public static int ListeningPortOf(int pid)
    {
        var urls = File.ReadAllText($"/proc/{pid}/environ").Split('\0')
            .Single(variable => variable.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal))["ASPNETCORE_URLS=".Length..];
        return new Uri(urls.Split(';')[0]).Port;
    }

    private static readonly string[] ServiceProjects = ["RandomDemo.Generator", "RandomDemo.Gateway", "RandomDemo.Streaming"];

    /// <summary>The service's own program (its apphost or dll), not the <c>dotnet run</c> that started it.</summary>
    private static bool IsServiceProgram(string commandLine, string project) =>
        commandLine.StartsWith(Path.Combine(ServiceProcess.RepositoryRoot, project, "bin"), StringComparison.Ordinal)
        || commandLine.Contains($"/{project}.dll", StringComparison.Ordinal);

    /// <summary>Ctrl+C in a terminal: SIGINT to the whole process group.</summary>
    public void PressCtrlC() => ProcessSignals.Send(-ProcessId, UnixSignal.SIGINT);

    public void KillAbruptly() => ProcessSignals.Send(ProcessId, UnixSignal.SIGKILL);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // Only processes seen as the app's while it ran, and still the same processes (same start time):
        // a pid found later, or reused since, may belong to someone else.
        var leftOver = Descendants();
        if (!_process.HasExited)
        {
            ProcessSignals.Send(-ProcessId, UnixSignal.SIGKILL);
        }

        foreach (var pid in leftOver.Where(pid => ProcessSignals.IsAlive(pid) && StartTimeOf(pid) == _lastSeenDescendants.GetValueOrDefault(pid)))
        {
            try
            {
                ProcessSignals.Send(pid, UnixSignal.SIGKILL);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Gone in between.
            }
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(ExitTimeout);
        _process.Dispose();
        Directory.Delete(StateDirectory, recursive: true);
    }

    private static async Task<bool> AnswersAsync(HttpClient http, Uri uri)
    {
        try
        {
            return (await http.GetAsync(uri)).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>When the process started (clock ticks after boot, /proc/PID/stat field 22): with the pid, its identity.</summary>
    private static long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
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
            _output.WriteLine($"[apphost] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output takes no more lines.
        }
    }
}
