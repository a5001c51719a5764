using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RandomDemo.AppHost.Lifecycle;

/// <summary>
/// Watches Aspire's resource notifications and restarts crashed projects (see
/// <see cref="CrashRestartExtensions.AddCrashRestarts"/>). A project stopped on purpose (the
/// dashboard's Stop, Ctrl+C) exits gracefully with code 0 and is left alone.
/// </summary>
internal sealed partial class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    IOptions<CrashRestartOptions> options,
    ILogger<CrashRestarter> logger) : BackgroundService
{
    /// <summary>The dashboard property that counts a resource's automatic restarts.</summary>
    public const string RestartsProperty = "restarts";

    private readonly ConcurrentDictionary<string, Crashes> _crashes = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var change in notifications.WatchAsync(stoppingToken))
        {
            if (change.Resource is not ProjectResource)
            {
                continue;
            }

            var crashes = _crashes.GetOrAdd(change.Resource.Name, _ => new Crashes());
            if (IsCrash(change.Snapshot) && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Every later update of the exited resource repeats its stop time: one restart per crash.
                if (crashes.Record(change.Snapshot, options.Value) is { } restart)
                {
                    _ = RestartAsync(change, restart, crashes, stoppingToken);
                }
            }
            else if (crashes.Total > 0 && !ShowsRestarts(change.Snapshot, crashes.Total))
            {
                // DCP may give the restarted process a new instance: the count follows whichever is current.
                await notifications.PublishUpdateAsync(change.Resource, change.ResourceId, snapshot => snapshot with
                {
                    Properties = [.. snapshot.Properties.Where(p => p.Name != RestartsProperty), new ResourcePropertySnapshot(RestartsProperty, crashes.Total)],
                });
            }
        }
    }

    private static bool ShowsRestarts(CustomResourceSnapshot snapshot, int restarts) =>
        snapshot.Properties.Any(p => p.Name == RestartsProperty && Equals(p.Value, restarts));

    private static bool IsCrash(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text is var state
        && (state == KnownResourceStates.FailedToStart
            || ((state == KnownResourceStates.Exited || state == KnownResourceStates.Finished) && snapshot.ExitCode is not null and not 0));

    private async Task RestartAsync(ResourceEvent crash, PlannedRestart restart, Crashes crashes, CancellationToken stoppingToken)
    {
        var name = crash.ResourceId;
        var exit = crash.Snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none";
        var seconds = restart.Delay.TotalSeconds;
        LogCrash(logger, name, exit, restart.RunTime.TotalSeconds, restart.Number, seconds);
        resourceLogs.GetLogger(name).LogWarning(
            "Crashed (exit code {ExitCode}); the AppHost restarts it in {Delay:0.#} s (automatic restart {Restart})", exit, seconds, restart.Number);
        try
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
            await Task.Delay(restart.Delay, stopping.Token);
            var result = await commands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, stopping.Token);
            if (result.Success)
            {
                LogRestarted(logger, name, restart.Number);
            }
            else
            {
                LogRestartFailed(logger, name, result.Message ?? "no reason given");
            }
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping: nothing to restart.
        }
        catch (Exception e)
        {
            LogRestartFailed(logger, name, e.Message);
        }
        finally
        {
            crashes.RestartDone();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} crashed (exit code {ExitCode}) after {RunSeconds:0.0} s; restart {Restart} in {DelaySeconds:0.#} s")]
    private static partial void LogCrash(ILogger logger, string resource, string exitCode, double runSeconds, int restart, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} restarted (restart {Restart})")]
    private static partial void LogRestarted(ILogger logger, string resource, int restart);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not be restarted: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason);

    /// <summary>One resource's crash history: the last crash handled and how many came in a row.</summary>
    private sealed class Crashes
    {
        private readonly Lock _lock = new();
        private DateTime? _lastStop;
        private int _inARow;
        private int _total;
        private bool _restartPending;

        /// <summary>Automatic restarts so far.</summary>
        public int Total
        {
            get
            {
                lock (_lock)
                {
                    return _total;
                }
            }
        }

        public PlannedRestart? Record(CustomResourceSnapshot snapshot, CrashRestartOptions options)
        {
            lock (_lock)
            {
                if (_restartPending || (snapshot.StopTimeStamp is not null && _lastStop == snapshot.StopTimeStamp))
                {
                    return null;
                }

                var stop = snapshot.StopTimeStamp ?? DateTime.UtcNow;
                _lastStop = snapshot.StopTimeStamp;
                _restartPending = true;
                var runTime = snapshot.StartTimeStamp is { } start ? stop - start : TimeSpan.Zero;
                _inARow = runTime >= options.StableAfter ? 1 : _inARow + 1;
                _total++;
                return new PlannedRestart(_inARow, _total, options.DelayBefore(_inARow), runTime);
            }
        }

        public void RestartDone()
        {
            lock (_lock)
            {
                _restartPending = false;
            }
        }
    }

    private sealed record PlannedRestart(int Number, int TotalRestarts, TimeSpan Delay, TimeSpan RunTime);
}
