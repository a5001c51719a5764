using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using RandomDemo.AppHost.Publishing;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Publishing.ComposeRun;

/// <summary>
/// The published docker-compose.yaml run for real: images built with the documented command
/// (scripts/build-images.sh) on an offline base, the compose file as published, docker-compose
/// against a podman engine of the test's own, and everything torn down at the end.
/// </summary>
public sealed class ComposeRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ImageBuildTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] Services = [ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming];

    private readonly string _project = $"randomdemo-e2e-{Environment.ProcessId}";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private PodmanEngine _engine = null!;
    private readonly string _dashboardApiKey = RandomNumberGenerator.GetHexString(32, lowercase: true);
    private string _publishDirectory = null!;
    private string _testOverrides = null!;
    private Dictionary<string, string> _composeVariables = null!;
    private bool _composeUp;

    public async Task InitializeAsync() => _engine = await PodmanEngine.StartAsync();

    [Fact]
    public async Task Published_compose_file_runs_healthy_serves_both_ports_survives_a_generator_stop_and_tears_down_clean()
    {
        var gatewayPort = LoopbackPort.Free();
        var streamingPort = LoopbackPort.Free();
        var dashboardPort = LoopbackPort.Free();
        await BuildImagesAsync();
        _publishDirectory = await PublishAsync(gatewayPort, streamingPort, dashboardPort);
        try
        {
            await ComposeAsync("up", "--detach");
            _composeUp = true;
            foreach (var service in Services)
            {
                await WaitForHealthAsync(service, "healthy");
            }

            var gateway = new Uri($"http://127.0.0.1:{gatewayPort}");
            var number = await _http.GetFromJsonAsync<JsonElement>(new Uri(gateway, "/random/number?min=1&max=10"));
            Assert.InRange(number.GetProperty("number").GetInt32(), 1, 10);
            await ReadTwoEventsAsync(new Uri($"http://127.0.0.1:{streamingPort}/stream"));
            await CheckDashboardAsync(new Uri($"http://127.0.0.1:{dashboardPort}/"));

            // The generator stopped: the gateway answers 503 problem details; started again: 200.
            await ComposeAsync("stop", ServiceNames.Generator);
            var unavailable = await Eventually.UntilAsync(() => NumberStatusAsync(gateway), status => status.Code == HttpStatusCode.ServiceUnavailable, AnswerTimeout, "503 while the generator is stopped");
            Assert.Equal("application/problem+json", unavailable.ContentType);
            await ComposeAsync("start", ServiceNames.Generator);
            await Eventually.UntilAsync(() => NumberStatusAsync(gateway), status => status.Code == HttpStatusCode.OK, AnswerTimeout, "200 once the generator is back");

            // The restart policy: a gateway that crashes (its process killed from outside; podman kill
            // would count as a stop by the user) is started again by the engine.
            var gatewayContainer = await ContainerIdAsync(ServiceNames.Gateway);
            var gatewayProcess = int.Parse(await _engine.PodmanAsync("inspect", "--format", "{{.State.Pid}}", gatewayContainer));
            ProcessSignals.Send(gatewayProcess, UnixSignal.SIGKILL);
            await Eventually.UntilAsync(
                async () => (await _engine.PodmanAsync("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", gatewayContainer)).Trim(),
                state => state.Split(' ') is [var restarts, "running"] && int.Parse(restarts) > 0, HealthyTimeout, "the gateway restarted by its restart policy");
            await WaitForHealthAsync(ServiceNames.Gateway, "healthy");
            // Healthy is what the check inside the container sees; the published port may follow a moment later.
            await Eventually.UntilAsync(() => NumberStatusAsync(gateway), status => status.Code == HttpStatusCode.OK, AnswerTimeout, "200 from the restarted gateway");

            await ComposeAsync("down", "--volumes", "--remove-orphans");
            _composeUp = false;
            Assert.Equal("", (await _engine.PodmanAsync("ps", "--all", "--quiet")).Trim());
            Assert.Equal("", (await _engine.PodmanAsync("volume", "ls", "--quiet")).Trim());
            // Only podman's default network, which compose does not own.
            Assert.Equal("podman", (await _engine.PodmanAsync("network", "ls", "--format", "{{.Name}}")).Trim());
        }
        catch
        {
            await WriteComposeLogsAsync();
            throw;
        }
    }

    /// <summary>The dashboard's UI answers, and it has received every service's telemetry over the compose network.</summary>
    private async Task CheckDashboardAsync(Uri dashboard)
    {
        using (var ui = await _http.GetAsync(dashboard))
        {
            // The UI is behind the browser token the dashboard logs at start: its login page.
            Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
            Assert.Equal("/login", ui.RequestMessage?.RequestUri?.AbsolutePath);
        }

        await Eventually.UntilAsync(
            async () =>
            {
                using var api = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard, "/api/telemetry/resources"));
                api.Headers.Add("x-api-key", _dashboardApiKey);
                using var response = await _http.SendAsync(api);
                return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            },
            resources => resources.StartsWith("200 ", StringComparison.Ordinal) && Services.All(service => resources.Contains($"\"{service}\"", StringComparison.Ordinal)),
            AnswerTimeout, "the dashboard to list every service that sent it telemetry");
    }

    /// <summary>Base image, the three services (the documented script) and a dashboard image, all offline.</summary>
    private async Task BuildImagesAsync()
    {
        var dashboardExecutable = typeof(PublishException).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "aspiredashboardpath").Value!;
        var dashboardImage = $"randomdemo-offline/dashboard:{_project}";
        _composeVariables = new() { ["DASHBOARD_IMAGE"] = $"localhost/{dashboardImage}" };
        var built = await _engine.RunCheckedAsync(
            ["bash", "RandomDemo.Tests/Publishing/ComposeRun/build-offline-images.sh", _engine.Directory,
             LoopbackPort.Free().ToString(), Path.GetDirectoryName(dashboardExecutable)!, dashboardImage],
            timeout: ImageBuildTimeout);
        output.WriteLine(built);
    }

    private async Task<string> PublishAsync(int gatewayPort, int streamingPort, int dashboardPort)
    {
        var directory = Path.Combine(_engine.Directory, "publish");
        var publish = await StartedProcess.PublishWithAppHostAsync(directory,
            $"--Ports:{ServiceNames.Gateway}={gatewayPort}", $"--Ports:{ServiceNames.Streaming}={streamingPort}", $"--Ports:dashboard={dashboardPort}");
        Assert.True(publish.ExitCode == 0, $"publish exited {publish.ExitCode}:\n{publish.Output}");

        // The published file as it is, plus (for this test only) the dashboard's telemetry API, so the
        // test can ask the dashboard what it received.
        _testOverrides = Path.Combine(_engine.Directory, "docker-compose.test.yaml");
        await File.WriteAllTextAsync(_testOverrides, $"""
            services:
              dashboard:
                environment:
                  DASHBOARD__API__ENABLED: "true"
                  DASHBOARD__API__AUTHMODE: ApiKey
                  DASHBOARD__API__PRIMARYAPIKEY: {_dashboardApiKey}
            """);
        return directory;
    }

    private Task<string> ComposeAsync(params string[] arguments) => _engine.RunCheckedAsync(ComposeCommand(arguments), _composeVariables);

    /// <summary>Without the check of <see cref="ComposeAsync"/>: for logs and clean-up after a failure.</summary>
    private Task<FinishedProcess> ComposeUncheckedAsync(params string[] arguments) =>
        StartedProcess.RunAsync(new Dictionary<string, string>(_engine.Environment.Concat(_composeVariables)), TimeSpan.FromMinutes(2), ComposeCommand(arguments));

    private string[] ComposeCommand(string[] arguments) =>
        ["docker-compose", "--ansi", "never", "-f", Path.Combine(_publishDirectory, ComposeFile.FileName), "-f", _testOverrides, "-p", _project, .. arguments];

    private async Task<string> ContainerIdAsync(string service) => (await ComposeAsync("ps", "-q", service)).Trim();

    private async Task WaitForHealthAsync(string service, string health)
    {
        var container = await ContainerIdAsync(service);
        await Eventually.UntilAsync(
            async () => (await _engine.PodmanAsync("inspect", "--format", "{{.State.Health.Status}}", container)).Trim(),
            status => status == health, HealthyTimeout, $"{service} {health}");
    }

    private async Task<(HttpStatusCode Code, string? ContentType)> NumberStatusAsync(Uri gateway)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(gateway, "/random/number?min=1&max=10"));
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType);
        }
        catch (HttpRequestException)
        {
            // The container restarting: nothing listens for a moment.
            return (default, null);
        }
    }

    private static async Task ReadTwoEventsAsync(Uri stream)
    {
        await using var connection = await SseConnection.OpenAsync(stream);
        Assert.Equal("text/event-stream", connection.Response.Content.Headers.ContentType?.MediaType);
        var ids = (await connection.ReadDataEventsAsync(2, AnswerTimeout)).Select(received => received.EventId).ToList();
        Assert.True(ids[1] > ids[0], $"event ids {ids[0]}, {ids[1]} do not rise");
    }

    private async Task WriteComposeLogsAsync()
    {
        if (_composeUp)
        {
            output.WriteLine((await ComposeUncheckedAsync("logs", "--tail", "40")).Output);
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_composeUp)
        {
            await ComposeUncheckedAsync("down", "--volumes", "--remove-orphans");
        }

        await _engine.DisposeAsync();
    }
}
