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
public sealed partial class AppHostProcess : StartedProcess
{
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private AppHostProcess(string[] command, ITestOutputHelper output, IReadOnlyDictionary<string, int> ports, string stateDirectory, Dictionary<string, string?> environment)
        : base("apphost", command, output, environment, ServiceProcess.RepositoryRoot, ownProcessGroup: true, stopTimeout: ExitTimeout)
    {
        Ports = ports;
        StateDirectory = stateDirectory;
    }

    /// <summary>The ports given to each resource (and the dashboard's), by name.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; }

    public string StateDirectory { get; }

    /// <summary>Standard output and error so far.</summary>
    public IReadOnlyCollection<string> Lines => Output;

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
        string[] command =
        [
            .. launcher,
            .. ((string[])["generator", "gateway", "streaming"]).Select(service => $"--Ports:{service}={ports[service]}"),
            $"--AppHost:StateDirectory={stateDirectory}",
            .. arguments,
        ];

        var environment = new Dictionary<string, string?>();
        if (home is not null)
        {
            var userHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(userHome, ".nuget", "packages");
            environment["DOTNET_CLI_HOME"] = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? userHome;
            environment["HOME"] = home;
        }

        // What the AppHost's http launch profile sets, on free ports.
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        environment["ASPNETCORE_URLS"] = $"http://localhost:{ports["dashboard"]}";
        environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{ports["otlp"]}";
        environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{ports["resource-service"]}";
        return new AppHostProcess(command, output, ports, stateDirectory, environment);
    }

    /// <summary>Waits until the gateway and the streaming service answer /health on their ports.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in (string[])["gateway", "streaming"])
        {
            var health = new Uri($"http://127.0.0.1:{Ports[service]}/health");
            await Eventually.UntilAsync(
                async () => !HasExited && await http.AnswersOkAsync(health)
                    || (HasExited ? throw new InvalidOperationException($"The AppHost exited with code {ExitCode}") : false),
                timeout, $"{service} answering {health}");
        }
    }

    /// <summary>The process ids of the services themselves (not their <c>dotnet run</c> wrappers), by name.</summary>
    public IReadOnlyDictionary<string, int> ServiceProcesses() => Descendants()
        .Select(pid => (Pid: pid, Service: ServiceProjects.FirstOrDefault(project => IsServiceProgram(ProcessTable.CommandLineOf(pid), project))))
        .Where(p => p.Service is not null)
        .ToDictionary(p => p.Service!, p => p.Pid);

    /// <summary>The process ids of every copy of one service (its replicas), e.g. <c>RandomDemo.Streaming</c>.</summary>
    public IReadOnlyList<int> ReplicaProcesses(string project) =>
        [.. Descendants().Where(pid => IsServiceProgram(ProcessTable.CommandLineOf(pid), project))];

    /// <summary>The process ids of the app's processes running <paramref name="program"/> (a resource that is not a project, e.g. <c>redis-server</c>).</summary>
    public IReadOnlyList<int> ProgramProcesses(string program) =>
        [.. Descendants().Where(pid => ProcessTable.CommandLineOf(pid).Split(' ')[0] == program)];

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
    public void PressCtrlC() => SignalGroup(UnixSignal.SIGINT);

    public void KillAbruptly() => Signal(UnixSignal.SIGKILL);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }

    /// <summary>
    /// DCP's API server, which leaves the AppHost's session and watches it with <c>--monitor PID</c>:
    /// it and everything below it (DCP's controllers, the <c>dotnet run</c> wrappers and the services)
    /// are the app's processes too.
    /// </summary>
    protected override IEnumerable<int> JoinedFromOutside(IEnumerable<int> running, IReadOnlyCollection<int> tree) =>
        running.Where(pid => DcpMonitoredProcess().Match(ProcessTable.CommandLineOf(pid)) is { Success: true } monitor
            && int.Parse(monitor.Groups[1].Value, CultureInfo.InvariantCulture) is var monitored
            && (monitored == ProcessId || tree.Contains(monitored)));

    /// <summary>DCP's API server names the AppHost it serves: <c>dcp start-apiserver --monitor PID</c>.</summary>
    [GeneratedRegex(@"/dcp start-apiserver --monitor (\d+) ")]
    private static partial Regex DcpMonitoredProcess();
}
