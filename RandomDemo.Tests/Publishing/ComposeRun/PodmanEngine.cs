using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Publishing.ComposeRun;

/// <summary>
/// A podman engine of the test's own: its storage, network definitions, settings and Docker-API socket
/// live in one temporary directory, so the host's own images, containers and networks are never
/// touched and all of it goes on dispose. docker-compose talks to it through <c>DOCKER_HOST</c>.
/// </summary>
/// <remarks>
/// Podman runs healthchecks from systemd timers: on a host without systemd a container stays
/// "starting" and <c>depends_on: service_healthy</c> never holds. The engine's own
/// <c>podman healthcheck run</c> (the image's healthcheck command, run in the container, its result
/// recorded by podman) is called here every <see cref="HealthcheckInterval"/> instead. Docker runs
/// healthchecks itself.
/// </remarks>
public sealed class PodmanEngine : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan HealthcheckInterval = TimeSpan.FromSeconds(2);

    private readonly StartedProcess _service;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _healthchecks;

    private PodmanEngine(string directory, Dictionary<string, string> environment, StartedProcess service)
    {
        Directory = directory;
        Environment = environment;
        _service = service;
        _healthchecks = RunHealthchecksAsync(_stopping.Token);
    }

    public string Directory { get; }

    /// <summary>What podman, docker-compose and <c>dotnet publish</c> (which loads images into podman) need to use this engine.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public static async Task<PodmanEngine> StartAsync()
    {
        if (System.Environment.UserName != "root")
        {
            throw new InvalidOperationException("The compose run needs root: rootful podman, and debootstrap for the offline base image.");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("randomdemo-podman-").FullName;
        // Open files no higher than a process without CAP_SYS_RESOURCE may set; runc, because crun
        // refuses hybrid cgroup hierarchies; its own tmp_dir, so that the reset at the end never
        // touches the host's /run/libpod.
        await File.WriteAllTextAsync(Path.Combine(directory, "containers.conf"), $"""
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
            [engine]
            runtime = "runc"
            tmp_dir = "{directory}/tmp"
            [network]
            network_config_dir = "{directory}/networks"
            """);
        await File.WriteAllTextAsync(Path.Combine(directory, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{directory}/storage"
            runroot = "{directory}/run"
            """);
        var socket = Path.Combine(directory, "podman.sock");
        var environment = new Dictionary<string, string>
        {
            ["CONTAINERS_CONF"] = Path.Combine(directory, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(directory, "storage.conf"),
            ["DOCKER_HOST"] = $"unix://{socket}",
        };

        var service = StartedProcess.Start("podman", ["podman", "system", "service", "--time=0", $"unix://{socket}"],
            environment: environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value));
        var engine = new PodmanEngine(directory, environment, service);
        try
        {
            await Eventually.UntilAsync(() => File.Exists(socket) || service.HasExited, ready => ready, TimeSpan.FromSeconds(30), "podman's API socket");
            if (service.HasExited)
            {
                throw new InvalidOperationException($"podman system service exited with code {service.ExitCode}");
            }
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }

        return engine;
    }

    /// <summary>Runs <c>podman ARGS</c> against this engine; the output of a failed command fails the test.</summary>
    public Task<string> PodmanAsync(params string[] arguments) => RunCheckedAsync(["podman", .. arguments]);

    /// <summary>Runs any command with this engine's environment and <paramref name="extraEnvironment"/>.</summary>
    public async Task<string> RunCheckedAsync(string[] command, IReadOnlyDictionary<string, string>? extraEnvironment = null, TimeSpan? timeout = null)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var finished = await StartedProcess.RunAsync(environment, timeout ?? CommandTimeout, command);
        Assert.True(finished.ExitCode == 0, $"{string.Join(' ', command)} exited {finished.ExitCode}:\n{finished.Output}");
        return finished.Output;
    }

    private async Task RunHealthchecksAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(HealthcheckInterval, stopping);
                var running = await StartedProcess.RunAsync(Environment, CommandTimeout, "podman", "ps", "--quiet", "--filter", "status=running");
                foreach (var container in running.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    // Fails for a container without a healthcheck (the dashboard) or one just gone: nothing to record.
                    await StartedProcess.RunAsync(Environment, CommandTimeout, "podman", "healthcheck", "run", container);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops the healthchecks and the API service, removes everything the engine holds and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _healthchecks;
        await _service.StopAsync();
        await _service.DisposeAsync();
        _stopping.Dispose();
        // Containers a failed test left, their mounts, images and networks: all of them this engine's own.
        var reset = await StartedProcess.RunAsync(Environment, CommandTimeout, "podman", "system", "reset", "--force");
        Assert.True(reset.ExitCode == 0, $"podman system reset exited {reset.ExitCode}:\n{reset.Output}");
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
