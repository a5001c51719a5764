using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using RandomDemo.AppHost.Lifecycle;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Page;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>The real AppHost under Aspire's testing builder: real DCP, real processes, free ports.</summary>
public sealed class AppHostTests(AppHostFixture app, ChromiumFixture chromium, ITestOutputHelper output)
    : AppHostCollectionTest(app, chromium, output)
{
    private DistributedApplication RunningApp => Fixture.App;

    [Fact]
    public async Task Every_service_runs_healthy_on_a_free_port_not_the_documented_one()
    {
        foreach (var name in AppHostFixture.Services)
        {
            // Other tests of the collection crash and restart services: each is waited for until healthy again.
            using var healthy = new CancellationTokenSource(AppHostFixture.WaitTimeout);
            await RunningApp.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token);
            Assert.True(RunningApp.ResourceNotifications.TryGetCurrentState(name, out var resource), $"{name} is not in the model");
            Assert.Equal(KnownResourceStates.Running, resource.Snapshot.State?.Text);
            Assert.Equal(HealthStatus.Healthy, resource.Snapshot.HealthStatus);
        }

        // The generator's health is the gRPC health protocol (its h2c port answers HTTP/1.1 probes with 400).
        RunningApp.ResourceNotifications.TryGetCurrentState(ServiceNames.Generator, out var generator);
        Assert.Contains(generator!.Snapshot.HealthReports, report => report.Name.EndsWith("_grpc_health", StringComparison.Ordinal) && report.Status == HealthStatus.Healthy);
        Assert.NotEqual(ServicePorts.Generator, RunningApp.GetEndpoint(ServiceNames.Generator, "http").Port);
        Assert.NotEqual(ServicePorts.Gateway, RunningApp.GetEndpoint(ServiceNames.Gateway, "http").Port);
        Assert.NotEqual(ServicePorts.Streaming, RunningApp.GetEndpoint(ServiceNames.Streaming, "http").Port);
        using var gateway = RunningApp.CreateHttpClient(ServiceNames.Gateway);
        Assert.Equal("""{"status":"ok"}""", await gateway.GetStringAsync(HealthEndpoints.Health));
    }

    [Fact]
    public async Task Every_service_runs_as_its_built_assembly_not_through_dotnet_run()
    {
        foreach (var (name, project) in ServiceProjects)
        {
            // Other tests of the collection crash and restart services: each is waited for until healthy again.
            using var healthy = new CancellationTokenSource(AppHostFixture.WaitTimeout);
            await RunningApp.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token);
            var pid = ResourceProcesses.ServiceProcessId(RunningApp, name);

            var commandLine = ResourceProcesses.CommandLineOf(pid);

            Assert.Equal("dotnet", Path.GetFileName(commandLine[0]));
            Assert.Equal([Repository.BuildOutput(project)], commandLine[1..]);
            Assert.Empty(ProcessTable.ChildrenOf(pid));
        }
    }

    [Fact]
    public async Task Gateway_numbers_and_strings_come_from_the_real_generator()
    {
        using var gateway = RunningApp.CreateHttpClient(ServiceNames.Gateway);

        var number = await gateway.GetFromJsonAsync<JsonElement>("/random/number?min=7&max=7");
        var text = await gateway.GetFromJsonAsync<JsonElement>("/random/string?length=12&digits=false");

        Assert.Equal(7, number.GetProperty("number").GetInt32());
        Assert.Matches("^[A-Za-z]{12}$", text.GetProperty("string").GetString());
    }

    [Fact]
    public async Task Stream_events_flow_from_the_generator_through_streaming_to_the_client()
    {
        await using var stream = await SseConnection.OpenAsync(new Uri(RunningApp.GetEndpoint(ServiceNames.Streaming, "http"), "/stream"));

        var first = await stream.ReadDataEventAsync(AppHostFixture.WaitTimeout);
        var second = await stream.ReadDataEventAsync(AppHostFixture.WaitTimeout);

        Assert.Equal(first.EventId + 1, second.EventId);
        Assert.InRange(first.Json.GetProperty("value").GetInt32(), 0, 100);
    }

    [Fact]
    public void The_dashboard_links_name_what_a_user_opens()
    {
        var urls = AppHostFixture.Services.ToDictionary(
            name => name,
            name => RunningApp.ResourceNotifications.TryGetCurrentState(name, out var e) ? e.Snapshot.Urls.Select(u => (u.DisplayProperties.DisplayName, Path: new Uri(u.Url).PathAndQuery)).ToList() : []);

        Assert.Contains(("API reference (Scalar)", "/scalar"), urls[ServiceNames.Gateway]);
        Assert.Contains(("Sample: /random/number", "/random/number?min=1&max=100"), urls[ServiceNames.Gateway]);
        Assert.Contains(("Event stream (/stream)", "/stream"), urls[ServiceNames.Streaming]);
        Assert.Contains(("Metrics (/metrics)", "/metrics"), urls[ServiceNames.Streaming]);
    }

    [Fact]
    public async Task A_crashed_generator_is_restarted_and_the_services_recover()
    {
        using var timeout = new CancellationTokenSource(AppHostFixture.WaitTimeout * 2);
        using var gateway = RunningApp.CreateHttpClient(ServiceNames.Gateway);
        await using var stream = await SseConnection.OpenAsync(new Uri(RunningApp.GetEndpoint(ServiceNames.Streaming, "http"), "/stream"));
        var beforeCrash = await stream.ReadDataEventAsync(AppHostFixture.WaitTimeout);
        var crashedProcess = ResourceProcesses.ServiceProcessId(RunningApp, ServiceNames.Generator);

        ResourceProcesses.Kill(crashedProcess);

        var exited = await RunningApp.ResourceNotifications.WaitForResourceAsync(ServiceNames.Generator,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        Assert.NotEqual(0, exited.Snapshot.ExitCode);

        // Down, or already back (the restart is a second away): a 503 problem or a number, nothing else.
        // That a dead generator is 503 is GatewayUpstreamFailureTests' to show, where no restart races it.
        using (var during = await gateway.GetAsync("/random/number", timeout.Token))
        {
            Assert.True(during.StatusCode == HttpStatusCode.OK
                || (during.StatusCode == HttpStatusCode.ServiceUnavailable && during.Content.Headers.ContentType?.MediaType == "application/problem+json"),
                $"during the crash: {(int)during.StatusCode} {await during.Content.ReadAsStringAsync(timeout.Token)}");
        }

        var restarted = await RunningApp.ResourceNotifications.WaitForResourceAsync(ServiceNames.Generator,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy
                && e.Snapshot.Properties.Any(p => p.Name == "restarts" && Equals(p.Value, 1)), timeout.Token);
        Assert.NotEqual(crashedProcess, ResourceProcesses.ServiceProcessId(RunningApp, ServiceNames.Generator));

        await Eventually.UntilAsync(async () => (await gateway.GetAsync("/random/number?min=3&max=3", timeout.Token)).StatusCode == HttpStatusCode.OK,
            AppHostFixture.WaitTimeout, "the gateway answering 200 again");
        var afterRestart = await stream.ReadDataEventAsync(AppHostFixture.WaitTimeout);
        Assert.True(afterRestart.EventId > beforeCrash.EventId, $"ids keep rising: {beforeCrash.EventId} then {afterRestart.EventId}");
    }

    [Fact]
    public async Task A_service_crashing_three_times_in_a_row_is_restarted_after_growing_waits_and_the_system_returns_to_healthy()
    {
        using var timeout = new CancellationTokenSource(AppHostFixture.WaitTimeout * 3);
        var waits = new CrashRestartOptions();
        var instance = ServiceNames.Gateway;
        for (var crash = 1; crash <= 3; crash++)
        {
            ResourceProcesses.Kill(ResourceProcesses.ServiceProcessId(RunningApp, ServiceNames.Gateway));
            var exited = await RunningApp.ResourceNotifications.WaitForResourceAsync(ServiceNames.Gateway,
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) && e.Snapshot.StopTimeStamp is not null, timeout.Token);
            instance = exited.ResourceId;
            var restarts = crash;
            var restarted = await RunningApp.ResourceNotifications.WaitForResourceAsync(ServiceNames.Gateway,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy
                    && e.Snapshot.Properties.Any(p => p.Name == CrashRestarter.RestartsProperty && Equals(p.Value, restarts)), timeout.Token);

            // Backoff: the new run starts no sooner than the wait for this crash in a row (1, 2, 4 s).
            var waited = restarted.Snapshot.StartTimeStamp!.Value - exited.Snapshot.StopTimeStamp!.Value;
            Output.WriteLine($"crash {crash}: restarted {waited.TotalSeconds:0.00} s after it exited");
            Assert.True(waited >= waits.DelayBefore(crash) - TimestampResolution, $"crash {crash}: restarted after {waited}, before the wait of {waits.DelayBefore(crash)}");
        }

        // The system is whole again: the gateway answers from the generator.
        Assert.Equal("""{"number":9,"min":9,"max":9}""", await Fixture.Gateway.GetStringAsync("/random/number?min=9&max=9", timeout.Token));

        // The AppHost console and the gateway's own console log (the dashboard's Console page) say so.
        Assert.Contains(Fixture.Logs.RecentLines, line => line.Contains($"{instance} crashed", StringComparison.Ordinal) && line.Contains("restart 3 in 4 s", StringComparison.Ordinal));
        var resourceLog = await ResourceLogAsync(instance, "automatic restart 3", timeout.Token);
        Assert.Contains(resourceLog, line => line.Contains("restarts it in 2 s (automatic restart 2)", StringComparison.Ordinal));
    }

    private static readonly (string Resource, string Project)[] ServiceProjects =
        [(ServiceNames.Generator, "RandomDemo.Generator"), (ServiceNames.Gateway, "RandomDemo.Gateway"), (ServiceNames.Streaming, "RandomDemo.Streaming")];

    /// <summary>Timestamps of DCP and of this process may be a clock tick apart.</summary>
    private static readonly TimeSpan TimestampResolution = TimeSpan.FromMilliseconds(50);

    /// <summary>The resource's console log as the dashboard shows it, read until a line contains <paramref name="until"/>.</summary>
    private async Task<List<string>> ResourceLogAsync(string resource, string until, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var logs = RunningApp.Services.GetRequiredService<ResourceLoggerService>();
        await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellationToken))
        {
            lines.AddRange(batch.Select(line => line.Content));
            if (lines.Any(line => line.Contains(until, StringComparison.Ordinal)))
            {
                return lines;
            }
        }

        return lines;
    }
}
