using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>
/// Runs the model: allocates endpoints, starts each project as its own process once what it waits for is healthy
/// (independent ones in parallel), watches health, restarts crashed processes with backoff, and stops them all
/// gracefully (SIGTERM, then SIGKILL after <see cref="StopTimeout"/>). Every change is published as a snapshot.
/// </summary>
internal sealed partial class ApplicationOrchestrator(
    DistributedApplicationModel model,
    DistributedApplicationOptions options,
    IConfiguration configuration,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    ProcessLauncher launcher,
    HealthProbe probe,
    ILogger<ApplicationOrchestrator> logger) : Microsoft.Extensions.Hosting.IHostedService
{
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Health polling while a resource is not (yet) healthy: short, so that start-up is fast.</summary>
    private static readonly TimeSpan UnhealthyPollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan HealthyPollInterval = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _runs = [];

    /// <summary>Checks everything that can fail before a process starts; throws with a one-line message.</summary>
    public void Prepare()
    {
        if (options.ArgumentErrors.Count > 0)
        {
            throw new DistributedApplicationException(options.ArgumentErrors[0], exitCode: 2);
        }

        foreach (var resource in model.Resources)
        {
            if (resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1)
            {
                throw new NotSupportedException(
                    $"{resource.Name} asks for {replicas.Replicas} replicas (WithReplicas); this orchestrator runs one process per resource.");
            }

            if (resource is not ProjectResource)
            {
                throw new NotSupportedException($"{resource.Name} is a {resource.GetType().Name}; this orchestrator runs projects only.");
            }
        }

        EndpointAllocator.Allocate(model, configuration, options.RandomizePorts);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var resource in model.Resources)
        {
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = KnownResourceStates.NotStarted,
                Urls = [.. resource.GetEndpoints().Select(e => new UrlSnapshot(e.Name, e.AllocatedEndpoint!.UriString, !e.IsExternal))],
            });
        }

        var startedAt = Stopwatch.StartNew();
        foreach (var resource in model.Resources.Cast<ProjectResource>())
        {
            _runs.Add(Task.Run(() => RunAsync(resource, _stopping.Token)));
        }

        _runs.Add(Task.Run(() => ReportStartedAsync(startedAt, _stopping.Token)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping();
        await _stopping.CancelAsync();
        await Task.WhenAll(_runs);
        _stopping.Dispose();
    }

    private async Task RunAsync(ProjectResource resource, CancellationToken stopping)
    {
        try
        {
            if (!await WaitForDependenciesAsync(resource, stopping))
            {
                return;
            }

            var environment = ResourceEnvironment.Build(resource, ResourceEnvironment.NewInstanceId(), configuration[ResourceEnvironment.OtlpEndpointKey]);
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                EnvironmentVariables = [.. environment.Where(v => v.Value is not null).Select(v => new EnvironmentVariableSnapshot(v.Key, v.Value))],
            });

            var backoff = new RestartBackoff();
            for (var restarts = 0; ; restarts++)
            {
                if (await RunOnceAsync(resource, environment, restarts, stopping) is not { } crash)
                {
                    return;
                }

                var delay = backoff.Next(crash.RanFor);
                LogRestarting(resource.Name, crash.ExitCode, delay.TotalSeconds, restarts + 1);
                await Task.Delay(delay, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped while waiting or between restarts.
        }
    }

    /// <summary>Runs one process of the resource; how it crashed (to restart), null when it is done for good.</summary>
    private async Task<(int ExitCode, TimeSpan RanFor)?> RunOnceAsync(ProjectResource resource, IReadOnlyDictionary<string, string?> environment, int restarts, CancellationToken stopping)
    {
        await Publish(resource, KnownResourceStates.Starting, s => s with { RestartCount = restarts, HealthStatus = null, ExitCode = null });
        Process process;
        try
        {
            var metadata = resource.Metadata;
            process = await launcher.StartAsync(metadata.TargetPath, Path.GetDirectoryName(metadata.ProjectPath)!, environment,
                (line, isError) => resourceLogs.Write(resource.Name, line, isError));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            LogFailedToStart(resource.Name, ex.Message);
            await Publish(resource, KnownResourceStates.FailedToStart, s => s);
            return null;
        }

        using (process)
        {
            var ranFor = Stopwatch.StartNew();
            await Publish(resource, KnownResourceStates.Running, s => s with { ProcessId = process.Id, StartTimeStamp = DateTime.UtcNow, StopTimeStamp = null });
            LogRunning(resource.Name, process.Id, restarts);

            using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var health = MonitorHealthAsync(resource, run.Token);
            var stopRequested = false;
            try
            {
                await process.WaitForExitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                stopRequested = true;
            }

            await run.CancelAsync();
            await health;
            if (stopRequested)
            {
                await StopProcessAsync(resource, process);
                return null;
            }

            var exitCode = process.ExitCode;
            var crashed = exitCode != 0;
            await Publish(resource, crashed ? KnownResourceStates.Exited : KnownResourceStates.Finished,
                s => s with { ExitCode = exitCode, StopTimeStamp = DateTime.UtcNow, HealthStatus = null });
            if (!crashed)
            {
                LogFinished(resource.Name, exitCode);
                return null;
            }

            return (exitCode, ranFor.Elapsed);
        }
    }

    private async Task StopProcessAsync(ProjectResource resource, Process process)
    {
        await Publish(resource, KnownResourceStates.Stopping, s => s);
        if (!PosixSignals.Terminate(process.Id))
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            LogKilled(resource.Name, StopTimeout.TotalSeconds);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        await Publish(resource, KnownResourceStates.Finished, s => s with { ExitCode = process.ExitCode, StopTimeStamp = DateTime.UtcNow, HealthStatus = null });
        LogFinished(resource.Name, process.ExitCode);
    }

    private async Task<bool> WaitForDependenciesAsync(IResource resource, CancellationToken stopping)
    {
        var waits = resource.OfAnnotation<WaitAnnotation>().ToList();
        if (waits.Count == 0)
        {
            return true;
        }

        await Publish(resource, KnownResourceStates.Waiting, s => s);
        foreach (var wait in waits)
        {
            var dependency = await notifications.WaitForResourceAsync(wait.Resource.Name,
                e => ResourceNotificationService.IsHealthy(e) || KnownResourceStates.TerminalStates.Contains(e.Snapshot.State), "healthy", stopping);
            if (!ResourceNotificationService.IsHealthy(dependency))
            {
                LogDependencyFailed(resource.Name, wait.Resource.Name, dependency.Snapshot.State);
                await Publish(resource, KnownResourceStates.FailedToStart, s => s);
                return false;
            }
        }

        return true;
    }

    private async Task MonitorHealthAsync(IResource resource, CancellationToken cancellationToken)
    {
        HealthStatus? last = null;
        try
        {
            while (true)
            {
                var status = await probe.CheckAsync(resource, cancellationToken);
                if (status != last)
                {
                    await notifications.PublishUpdateAsync(resource, s => s with { HealthStatus = status });
                    if (status == HealthStatus.Healthy || last == HealthStatus.Healthy)
                    {
                        LogHealth(resource.Name, status);
                    }

                    last = status;
                }

                await Task.Delay(status == HealthStatus.Healthy ? HealthyPollInterval : UnhealthyPollInterval, cancellationToken);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The process exited or the application stops (a probe in flight may end with any exception).
        }
    }

    private async Task ReportStartedAsync(Stopwatch startedAt, CancellationToken stopping)
    {
        try
        {
            foreach (var resource in model.Resources)
            {
                await notifications.WaitForResourceAsync(resource.Name, ResourceNotificationService.IsHealthy, "healthy", stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }

        LogStarted(startedAt.Elapsed.TotalSeconds);
        var width = model.Resources.Max(r => r.Name.Length);
        foreach (var resource in model.Resources)
        {
            foreach (var endpoint in resource.GetEndpoints())
            {
                LogEndpoint(resource.Name.PadRight(width), endpoint.AllocatedEndpoint!.UriString, endpoint.IsExternal ? "" : " (internal)");
            }
        }
    }

    private Task Publish(IResource resource, string state, Func<CustomResourceSnapshot, CustomResourceSnapshot> update) =>
        notifications.PublishUpdateAsync(resource, s => update(s) with { State = state });

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is Running (pid {ProcessId}, restarts {Restarts})")]
    private partial void LogRunning(string resource, int processId, int restarts);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is {Health}")]
    private partial void LogHealth(string resource, HealthStatus health);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}; restart {Restart} in {Delay:0.#} s")]
    private partial void LogRestarting(string resource, int exitCode, double delay, int restart);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is Finished (exit code {ExitCode})")]
    private partial void LogFinished(string resource, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} did not stop within {Timeout} s of SIGTERM and was killed")]
    private partial void LogKilled(string resource, double timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} failed to start: {Reason}")]
    private partial void LogFailedToStart(string resource, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} will not start: it waits for {Dependency}, which is {State}")]
    private partial void LogDependencyFailed(string resource, string dependency, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Distributed application started in {Seconds:0.0} s. Press Ctrl+C to shut down.")]
    private partial void LogStarted(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping every resource")]
    private partial void LogStopping();

    [LoggerMessage(Level = LogLevel.Information, Message = "  {Resource}  {Url}{Visibility}")]
    private partial void LogEndpoint(string resource, string url, string visibility);
}
