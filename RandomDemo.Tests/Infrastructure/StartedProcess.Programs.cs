using RandomDemo.Contracts;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>How our own programs are started: a service from its build output, the AppHost as a user runs it, its publish step.</summary>
public sealed partial class StartedProcess
{
    public static readonly TimeSpan ServiceStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the AppHost may take to exit (its stop timeout too): DCP stops every service first.</summary>
    public static readonly TimeSpan AppHostExitTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] ServiceProjects = ["RandomDemo.Generator", "RandomDemo.Gateway", "RandomDemo.Streaming"];

    /// <summary>
    /// Starts <paramref name="project"/> (e.g. "RandomDemo.Generator") from its build output on <paramref name="port"/>
    /// (a free one when null) in <paramref name="workingDirectory"/> (its output folder when null): in Development,
    /// one console line per log entry, exporting no telemetry, then <paramref name="environment"/>. Returns once
    /// Kestrel says it is listening.
    /// </summary>
    public static async Task<StartedProcess> StartServiceAsync(
        string project,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        int? port = null,
        string? workingDirectory = null)
    {
        var listenOn = port ?? LoopbackPort.Free();
        var serviceEnvironment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{listenOn}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            serviceEnvironment[key] = value;
        }

        var program = Repository.BuildOutput(project);
        var service = new StartedProcess(project, ["dotnet", program], output, serviceEnvironment, workingDirectory ?? Path.GetDirectoryName(program),
            ports: new Dictionary<string, int> { [project] = listenOn }, healthChecked: [project]);
        try
        {
            await service.WaitForLinesAsync(line => line.Contains("Now listening on:", StringComparison.Ordinal), 1, "listening", ServiceStartTimeout);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>
    /// Starts the AppHost's built program as a user runs it in a terminal (a process group of its own, so that
    /// Ctrl+C can be sent to the group), with the dashboard, free ports for every service and the dashboard,
    /// and a state directory of its own; <paramref name="arguments"/> come after those, so they can override
    /// them (e.g. a port that is in use).
    /// </summary>
    public static StartedProcess StartAppHost(ITestOutputHelper output, params string[] arguments) =>
        StartAppHost(output, ["dotnet", Repository.BuildOutput("RandomDemo.AppHost")], arguments, home: null);

    /// <summary>
    /// <see cref="StartAppHost(ITestOutputHelper, string[])"/> with <paramref name="home"/> as the home directory,
    /// where the Aspire CLI and the AppHost keep their state (development certificate, backchannel sockets).
    /// </summary>
    public static StartedProcess StartAppHostIn(ITestOutputHelper output, string home) =>
        StartAppHost(output, ["dotnet", Repository.BuildOutput("RandomDemo.AppHost")], [], home);

    /// <summary>
    /// Starts the app with the Aspire CLI (<c>aspire run</c>, from the repository's tool manifest) in
    /// isolated mode, which gives the dashboard free ports; the services get the free ports by name.
    /// </summary>
    /// <remarks>
    /// <c>aspire run</c> stops any other running instance of the same AppHost it finds through the
    /// sockets under <c>~/.aspire</c>, the tests' own apps included; in a home of its own (<paramref name="home"/>)
    /// it finds none. NuGet's package folder and the .NET CLI's home stay the user's, where the CLI tool is restored.
    /// </remarks>
    public static StartedProcess StartWithAspireCli(ITestOutputHelper output, string home) =>
        StartAppHost(output, ["dotnet", "tool", "run", "aspire", "run", "--isolated", "--non-interactive", "--nologo", "--no-build", "--apphost", "RandomDemo.AppHost", "--"], [], home);

    /// <summary>The built AppHost with <c>--operation publish --step publish --output-path</c> and <paramref name="arguments"/>, run to its end.</summary>
    public static Task<FinishedProcess> PublishWithAppHostAsync(string outputPath, params string[] arguments) =>
        RunAsync(["dotnet", Repository.BuildOutput("RandomDemo.AppHost"), "--operation", "publish", "--step", "publish", "--output-path", outputPath, .. arguments]);

    /// <summary><c>aspire publish -o</c> with the CLI of the repository's tool manifest, run to its end.</summary>
    public static Task<FinishedProcess> PublishWithAspireCliAsync(string outputPath) =>
        RunAsync(["dotnet", "tool", "run", "aspire", "publish", "--non-interactive", "--nologo", "--no-build", "--apphost", "RandomDemo.AppHost", "-o", outputPath]);

    /// <summary>The process ids of the services it runs themselves (not their <c>dotnet run</c> wrappers), by project.</summary>
    public IReadOnlyDictionary<string, int> ServiceProcesses() => Descendants()
        .Select(pid => (Pid: pid, Service: ServiceProjects.FirstOrDefault(project => IsServiceProgram(ProcessTable.CommandLineOf(pid), project))))
        .Where(p => p.Service is not null)
        .ToDictionary(p => p.Service!, p => p.Pid);

    /// <summary>The process ids of every copy of one service it runs (its replicas), e.g. <c>RandomDemo.Streaming</c>.</summary>
    public IReadOnlyList<int> ReplicaProcesses(string project) =>
        [.. Descendants().Where(pid => IsServiceProgram(ProcessTable.CommandLineOf(pid), project))];

    /// <summary>The port a service process was told to listen on (<c>ASPNETCORE_URLS</c> in its environment, as DCP set it).</summary>
    public static int ListeningPortOf(int pid)
    {
        var urls = File.ReadAllText($"/proc/{pid}/environ").Split('\0')
            .Single(variable => variable.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal))["ASPNETCORE_URLS=".Length..];
        return new Uri(urls.Split(';')[0]).Port;
    }

    private static StartedProcess StartAppHost(ITestOutputHelper output, string[] launcher, string[] arguments, string? home)
    {
        var ports = new[] { ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming, "dashboard", "otlp", "resource-service" }
            .ToDictionary(name => name, _ => LoopbackPort.Free());
        var stateDirectory = Directory.CreateTempSubdirectory("randomdemo-apphost-").FullName;
        string[] command =
        [
            .. launcher,
            .. ((string[])[ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming]).Select(service => $"--Ports:{service}={ports[service]}"),
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
        return new StartedProcess("apphost", command, output, environment, Repository.Root,
            ports, healthChecked: [ServiceNames.Gateway, ServiceNames.Streaming], stateDirectory, ownProcessGroup: true, includesDcp: true, stopTimeout: AppHostExitTimeout);
    }

    /// <summary>The service's own program (its apphost or dll), not the <c>dotnet run</c> that started it.</summary>
    private static bool IsServiceProgram(string commandLine, string project) =>
        commandLine.StartsWith(Path.Combine(Repository.Root, project, "bin"), StringComparison.Ordinal)
        || commandLine.Contains($"/{project}.dll", StringComparison.Ordinal);
}
