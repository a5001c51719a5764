using System.Net;
using System.Net.Sockets;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>The AppHost as the user runs it: a process with arguments, signals and an exit code.</summary>
// In the AppHost collection: apps of the AppHost (each with its own DCP) run one at a time, never
// beside the shared app, whose health an overlapping start or shutdown can disturb on a small machine.
[Collection(AppHostCollection.Name)]
public sealed class AppHostProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The issue's bound for a killed AppHost: DCP notices and takes everything down.</summary>
    private static readonly TimeSpan GoneAfterKill = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_one_line_naming_port_and_resource()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var appHost = StartedProcess.StartAppHost(output, $"--Ports:gateway={port}");

        var exitCode = await appHost.WaitForExitAsync(StartedProcess.AppHostExitTimeout);

        Assert.Equal(1, exitCode);
        var error = Assert.Single(appHost.Output, line => line.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal($"error: Port {port} is already in use; it is the http endpoint of gateway. Stop what holds it, or choose another port with --Ports:gateway=<port>.", error);
        Assert.DoesNotContain(appHost.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.Empty(appHost.Descendants());
    }

    [Theory]
    [InlineData("--Ports:gateway=http", "--Ports:gateway must be a TCP port from 1 to 65535, not 'http'.")]
    [InlineData("--Ports:streaming=70000", "--Ports:streaming must be a TCP port from 1 to 65535, not '70000'.")]
    public async Task A_bad_port_setting_is_named_in_one_line(string argument, string message)
    {
        await using var appHost = StartedProcess.StartAppHost(output, argument);

        Assert.Equal(2, await appHost.WaitForExitAsync(StartedProcess.AppHostExitTimeout));
        Assert.Equal("error: " + message, Assert.Single(appHost.Output, line => line.StartsWith("error:", StringComparison.Ordinal)));
        Assert.DoesNotContain(appHost.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ctrl_C_stops_every_service_gracefully_and_the_streaming_service_saves_its_state()
    {
        var dcpLogs = Directory.CreateTempSubdirectory("randomdemo-dcp-logs-").FullName;
        await using var appHost = StartedProcess.StartAppHost(output, RecordingHowServicesStop(dcpLogs));
        await appHost.WaitUntilServingAsync(StartTimeout);
        Assert.Contains(appHost.Output, line => line.Contains($"Login to the dashboard at http://localhost:{appHost.Ports["dashboard"]}/login?t=", StringComparison.Ordinal));
        var services = appHost.ServiceProcesses();
        Assert.Equal(["RandomDemo.Gateway", "RandomDemo.Generator", "RandomDemo.Streaming"], services.Keys.Order());
        var dcpSession = DcpSessionDirectory(appHost.Descendants());
        var stateFile = Path.Combine(appHost.StateDirectory, "streaming.json");
        Assert.False(File.Exists(stateFile));
        try
        {
            await StopWithCtrlCAsync(appHost);

            // Written by the streaming service's graceful shutdown only: a SIGKILL after DCP's 6 s would leave none.
            Assert.True(File.Exists(stateFile), $"{stateFile} was not written");
            Assert.Contains("\"last_event_id\"", await File.ReadAllTextAsync(stateFile), StringComparison.Ordinal);
            AssertEveryServiceStoppedGracefully(dcpLogs, dcpSession, services);
            Assert.DoesNotContain(appHost.Output, IsErrorLine);
        }
        finally
        {
            Directory.Delete(dcpSession, recursive: true);
            Directory.Delete(dcpLogs, recursive: true);
        }
    }

    [Fact]
    public async Task A_killed_AppHost_leaves_no_process_and_no_held_port()
    {
        var dcpLogs = Directory.CreateTempSubdirectory("randomdemo-dcp-logs-").FullName;
        await using var appHost = StartedProcess.StartAppHost(output, RecordingHowServicesStop(dcpLogs));
        await appHost.WaitUntilServingAsync(StartTimeout);
        var services = appHost.ServiceProcesses();
        var everything = appHost.Descendants();
        Assert.Contains(services.Values, everything.Contains);
        var dcpSession = DcpSessionDirectory(everything);
        try
        {
            appHost.KillAbruptly();

            var killed = DateTime.UtcNow;
            foreach (var pid in everything)
            {
                var left = GoneAfterKill - (DateTime.UtcNow - killed);
                await ProcessSignals.WaitUntilGoneAsync(pid, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }

            foreach (var (name, port) in appHost.Ports)
            {
                // Nothing listens any more (connections in TIME_WAIT do not count, as for Kestrel).
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Start();
                output.WriteLine($"{name} port {port} is free");
            }

            // DCP noticed the AppHost's end and stopped the services as on Ctrl+C.
            AssertEveryServiceStoppedGracefully(dcpLogs, dcpSession, services);
        }
        finally
        {
            Directory.Delete(dcpSession, recursive: true);
            Directory.Delete(dcpLogs, recursive: true);
        }
    }

    /// <summary>
    /// DCP keeps each service's console output (in its session folder) after the app has stopped, and
    /// says in its own log, written to <paramref name="dcpLogs"/>, how it stopped each process.
    /// </summary>
    private static string[] RecordingHowServicesStop(string dcpLogs) =>
        ["--DcpPublisher:PreserveExecutableLogs=true", "--DcpPublisher:DiagnosticsLogLevel=debug", $"--DcpPublisher:DiagnosticsLogFolder={dcpLogs}"];

    /// <summary>
    /// Every service went through ASP.NET Core's shutdown; none was killed (DCP, whichever of its processes
    /// stopped it, logs a SIGKILL and a SIGTERM that did not do); nothing failed on the way.
    /// </summary>
    private static void AssertEveryServiceStoppedGracefully(string dcpLogs, string dcpSession, IReadOnlyDictionary<string, int> services)
    {
        var dcpLog = Directory.GetFiles(dcpLogs, "*.log").SelectMany(File.ReadAllLines).ToList();
        Assert.DoesNotContain(dcpLog, line => line.Contains("SIGKILL", StringComparison.Ordinal) || line.Contains("did not stop upon SIGTERM", StringComparison.Ordinal));
        foreach (var project in services.Keys)
        {
            var console = ServiceConsoleOutput(dcpSession, project);
            Assert.Contains(console, line => line.Contains("Application is shutting down...", StringComparison.Ordinal));
            Assert.DoesNotContain(console, IsErrorLine);
        }
    }

    /// <summary>
    /// Ctrl+C, exit code 0, and every process of the app gone: the AppHost exits before DCP has stopped
    /// the services, and a streaming service still stopping would write its state file again.
    /// </summary>
    private static async Task StopWithCtrlCAsync(StartedProcess appHost)
    {
        var everything = appHost.Descendants();
        appHost.PressCtrlC();
        Assert.Equal(0, await appHost.WaitForExitAsync(StartedProcess.AppHostExitTimeout));
        foreach (var pid in everything)
        {
            await ProcessSignals.WaitUntilGoneAsync(pid, StartedProcess.AppHostExitTimeout);
        }
    }

    private static bool IsErrorLine(string line) => line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal);

    /// <summary>DCP's session folder, where it keeps the services' console output: <c>dcp start-apiserver --kubeconfig {folder}/kubeconfig</c>.</summary>
    private static string DcpSessionDirectory(IEnumerable<int> processes) =>
        processes.Select(ResourceProcesses.CommandLineOf)
            .Where(commandLine => commandLine.Contains("start-apiserver"))
            .Select(commandLine => Path.GetDirectoryName(commandLine[Array.IndexOf(commandLine, "--kubeconfig") + 1])!)
            .First();

    /// <summary>The lines one service wrote to its console, from the file DCP kept (the one whose content root is the project's).</summary>
    private static string[] ServiceConsoleOutput(string dcpSession, string project)
    {
        var outputs = Directory.GetFiles(dcpSession, "*_out").Select(File.ReadAllLines).ToList();
        return Assert.Single(outputs, lines => lines.Any(line => line.Contains($"Content root path: {Path.Combine(Repository.Root, project)}/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Aspire_run_starts_the_app_and_dotnet_run_works_after_it()
    {
        var home = Directory.CreateTempSubdirectory("randomdemo-home-").FullName;
        try
        {
            await using (var aspireRun = StartedProcess.StartWithAspireCli(output, home))
            {
                await aspireRun.WaitUntilServingAsync(StartTimeout);
                Assert.Contains(aspireRun.ServiceProcesses().Keys, name => name == "RandomDemo.Gateway");

                await StopWithCtrlCAsync(aspireRun);
            }

            // Whatever the CLI left in that home (its settings, a development certificate it made) does not stop the AppHost.
            await using var appHost = StartedProcess.StartAppHostIn(output, home);
            await appHost.WaitUntilServingAsync(StartTimeout);
            await StopWithCtrlCAsync(appHost);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
