using System.Net;
using System.Net.Sockets;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Hosting;

/// <summary>The AppHost as the user runs it: a process with arguments, signals and an exit code.</summary>
public sealed class AppHostProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Killing_the_AppHost_takes_every_child_with_it()
    {
        var gatewayPort = ServiceProcess.FreePort();
        await using var appHost = AppHostProcess.Start(output, $"--Ports:gateway={gatewayPort}", "--Ports:streaming=0");
        await appHost.WaitForLineAsync(line => line.Contains("Distributed application started", StringComparison.Ordinal), StartTimeout);
        var children = appHost.ResourceProcessIds();
        Assert.Equal(["gateway", "generator", "streaming"], children.Keys.Order());

        appHost.KillAbruptly();
        await appHost.WaitForExitAsync(ExitTimeout);

        foreach (var (name, pid) in children)
        {
            Assert.True(await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(10)), $"{name} (pid {pid}) outlived the AppHost");
        }

        // Nothing listens on the gateway's port any more (connections in TIME_WAIT do not count, as for Kestrel).
        using var listener = new TcpListener(IPAddress.Loopback, gatewayPort);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
    }

    [Fact]
    public async Task SIGTERM_stops_every_child_gracefully_and_the_output_has_no_colours_when_redirected()
    {
        await using var appHost = AppHostProcess.Start(output, "--Ports:gateway=0", "--Ports:streaming=0");
        await appHost.WaitForLineAsync(line => line.Contains("Distributed application started", StringComparison.Ordinal), StartTimeout);
        var children = appHost.ResourceProcessIds();

        appHost.Terminate();

        Assert.Equal(0, await appHost.WaitForExitAsync(ExitTimeout));
        Assert.All(children, child => Assert.False(ProcessProbe.IsAlive(child.Value), $"{child.Key} is still running"));
        foreach (var name in children.Keys)
        {
            Assert.Contains(appHost.Lines, line => line.Contains($"| {name} is Finished (exit code 0)", StringComparison.Ordinal));
        }

        Assert.Contains(appHost.Lines, line => line.Contains(" gateway   | ", StringComparison.Ordinal) && line.Contains("Now listening on", StringComparison.Ordinal));
        Assert.DoesNotContain(appHost.Lines, line => line.Contains('\e'));

        // Each service runs in its project directory, so that its appsettings.json is found.
        var projectDirectory = Path.GetDirectoryName(new Projects.RandomDemo_Generator().ProjectPath)!;
        Assert.Contains(appHost.Lines, line => line.Contains(" generator | ", StringComparison.Ordinal) && line.EndsWith("Content root path: " + projectDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ctrl_C_in_a_terminal_stops_every_child_gracefully()
    {
        await using var appHost = AppHostProcess.Start(output, ownProcessGroup: true, "--Ports:gateway=0", "--Ports:streaming=0");
        await appHost.WaitForLineAsync(line => line.Contains("Distributed application started", StringComparison.Ordinal), StartTimeout);
        var children = appHost.ResourceProcessIds();

        appHost.InterruptProcessGroup();

        Assert.Equal(0, await appHost.WaitForExitAsync(ExitTimeout));
        foreach (var name in children.Keys)
        {
            // Stopped by the AppHost's SIGTERM alone: a second signal during shutdown would end it with 143.
            Assert.Contains(appHost.Lines, line => line.Contains($"| {name} is Finished (exit code 0)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_one_line_naming_the_resource_and_the_port()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var appHost = AppHostProcess.Start(output, $"--Ports:gateway={port}");

        Assert.Equal(1, await appHost.WaitForExitAsync(ExitTimeout));
        Assert.Equal([$"error: gateway cannot listen on port {port}: the port is in use"], appHost.Lines);
    }

    [Theory]
    [InlineData("--bogus=1", "error: unknown argument '--bogus=1': expected --Ports:<resource>[:<endpoint>]=<port>")]
    [InlineData("--Ports:gateway=eighty", "error: invalid value in 'Ports:gateway=eighty': a port is a number from 0 to 65535")]
    public async Task A_bad_argument_exits_with_code_2_and_one_line_naming_it(string argument, string expected)
    {
        await using var appHost = AppHostProcess.Start(output, argument);

        Assert.Equal(2, await appHost.WaitForExitAsync(ExitTimeout));
        Assert.StartsWith(expected, Assert.Single(appHost.Lines), StringComparison.Ordinal);
    }
}
