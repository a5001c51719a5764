using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RandomDemo.Hosting;
using RandomDemo.Hosting.ApplicationModel;
using RandomDemo.Hosting.Testing;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Hosting;

/// <summary>The real AppHost through DistributedApplicationTestingBuilder: real processes on random ports.</summary>
public sealed class AppHostTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_app_starts_every_resource_healthy_on_random_ports()
    {
        await using var app = await StartAsync();

        foreach (var name in (string[])["generator", "gateway", "streaming"])
        {
            var resource = await app.ResourceNotifications.WaitForResourceHealthyAsync(name);
            Assert.Equal(KnownResourceStates.Running, resource.Snapshot.State);
            Assert.Equal(HealthStatus.Healthy, resource.Snapshot.HealthStatus);
            Assert.NotNull(resource.Snapshot.ProcessId);
        }

        Assert.NotEqual(8081, app.GetEndpoint("gateway", "http").Port);
        Assert.NotEqual(8085, app.GetEndpoint("streaming").Port);
        using var gateway = app.CreateHttpClient("gateway");
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/health")).StatusCode);

        // WaitFor: the gateway started only once the generator was healthy.
        app.ResourceNotifications.TryGetCurrentState("gateway", out var gatewayState);
        app.ResourceNotifications.TryGetCurrentState("generator", out var generatorState);
        Assert.True(gatewayState!.Snapshot.StartTimeStamp > generatorState!.Snapshot.StartTimeStamp);
        var environment = gatewayState.Snapshot.EnvironmentVariables.ToDictionary(v => v.Name, v => v.Value);
        Assert.Equal(app.GetEndpoint("generator").ToString().TrimEnd('/'), environment["services__generator__http__0"]);
    }

    [Fact]
    public async Task Gateway_numbers_and_strings_come_from_the_real_generator()
    {
        await using var app = await StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("gateway");
        using var gateway = app.CreateHttpClient("gateway");

        var number = await gateway.GetFromJsonAsync<JsonElement>("/random/number?min=7&max=7");
        var text = await gateway.GetFromJsonAsync<JsonElement>("/random/string?length=12&digits=false");

        Assert.Equal(7, number.GetProperty("number").GetInt32());
        Assert.Matches("^[A-Za-z]{12}$", text.GetProperty("string").GetString());
    }

    [Fact]
    public async Task Stream_events_flow_from_the_generator_through_streaming_to_the_client()
    {
        await using var app = await StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("streaming");
        await using var stream = await SseConnection.OpenAsync(new Uri(app.GetEndpoint("streaming"), "/stream"));

        var first = await stream.ReadDataEventAsync(Patience);
        var second = await stream.ReadDataEventAsync(Patience);

        Assert.True(second.EventId > first.EventId);
        Assert.True(first.Json.TryGetProperty("value", out _));
    }

    [Fact]
    public async Task A_killed_generator_is_restarted_and_the_services_recover()
    {
        await using var app = await StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("gateway");
        await app.ResourceNotifications.WaitForResourceHealthyAsync("streaming");
        using var gateway = app.CreateHttpClient("gateway");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stream = await SseConnection.OpenAsync(new Uri(app.GetEndpoint("streaming"), "/stream"));
        var beforeKill = await stream.ReadDataEventAsync(Patience);

        app.ResourceNotifications.TryGetCurrentState("generator", out var generator);
        var killedProcessId = generator!.Snapshot.ProcessId!.Value;
        using (var process = Process.GetProcessById(killedProcessId))
        {
            process.Kill();
        }

        var exited = await app.ResourceNotifications.WaitForResourceAsync("generator", KnownResourceStates.Exited);
        Assert.NotEqual(0, exited.Snapshot.ExitCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await gateway.GetAsync("/random/number", timeout.Token)).StatusCode);

        var restarted = await app.ResourceNotifications.WaitForResourceAsync("generator",
            e => ResourceNotificationService.IsHealthy(e) && e.Snapshot.RestartCount == 1, "restarted and healthy");
        Assert.NotEqual(killedProcessId, restarted.Snapshot.ProcessId);
        Assert.Equal(KnownResourceStates.Running, restarted.Snapshot.State);
        Assert.Contains(app.ResourceLoggers.GetBacklog(ResourceLoggerService.AppHostResourceName),
            line => line.Content.Contains("generator is Running", StringComparison.Ordinal) && line.Content.Contains("restarts 1", StringComparison.Ordinal));

        await EventuallyAsync(async () => (await gateway.GetAsync("/random/number?min=3&max=3", timeout.Token)).StatusCode == HttpStatusCode.OK, timeout.Token);
        var afterRestart = await stream.ReadDataEventAsync(Patience);
        Assert.True(afterRestart.EventId > beforeKill.EventId, $"ids keep rising: {beforeKill.EventId} then {afterRestart.EventId}");
    }

    [Fact]
    public async Task Disposing_the_app_stops_every_process()
    {
        var app = await StartAsync();
        var notifications = app.ResourceNotifications;
        await notifications.WaitForResourceHealthyAsync("gateway");
        await notifications.WaitForResourceHealthyAsync("streaming");
        var processIds = new[] { "generator", "gateway", "streaming" }
            .Select(name => notifications.TryGetCurrentState(name, out var e) ? e.Snapshot.ProcessId!.Value : 0)
            .ToList();
        Assert.All(processIds, pid => Assert.True(ProcessProbe.IsAlive(pid)));

        await app.DisposeAsync();

        Assert.All(processIds, pid => Assert.False(ProcessProbe.IsAlive(pid), $"process {pid} is still running"));
        Assert.True(notifications.TryGetCurrentState("gateway", out var gateway));
        Assert.Equal(KnownResourceStates.Finished, gateway.Snapshot.State);
    }

    [Fact]
    public async Task WithHttpHealthCheck_replaces_the_default_probe()
    {
        await using var app = await StartAsync(builder =>
        {
            var gateway = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway");
            builder.CreateResourceBuilder(gateway).WithHttpHealthCheck("/no-such-path");
        });

        using var client = app.CreateHttpClient("gateway");
        using var timeout = new CancellationTokenSource(Patience);
        await EventuallyAsync(async () => await IsOkAsync(client, "/health", timeout.Token), timeout.Token);

        // The default probe (GET /health, every 100 ms) would say healthy at once; the declared path never does.
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", window.Token));
        Assert.True(app.ResourceNotifications.TryGetCurrentState("gateway", out var gateway));
        Assert.Equal((KnownResourceStates.Running, HealthStatus.Unhealthy), (gateway.Snapshot.State, gateway.Snapshot.HealthStatus));
    }

    private async Task<DistributedApplication> StartAsync(Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RandomDemo_AppHost>();
        builder.WriteOutputTo(output.WriteLine);

        // A loaded test machine may need more than the gateway's 2 s per call the first time (cold JIT on both sides).
        var gateway = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway");
        builder.CreateResourceBuilder(gateway).WithEnvironment("Gateway__CallDeadline", "00:00:30");
        configure?.Invoke(builder);
        var app = await builder.BuildAsync();
        await app.StartAsync();
        return app;
    }

    private static async Task<bool> IsOkAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetAsync(path, cancellationToken)).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(200, cancellationToken);
        }
    }
}
