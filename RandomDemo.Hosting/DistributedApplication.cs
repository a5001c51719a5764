using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RandomDemo.Hosting.ApplicationModel;
using RandomDemo.Hosting.Orchestration;

namespace RandomDemo.Hosting;

/// <summary>The built application: a generic host whose orchestrator runs the resources.</summary>
public sealed class DistributedApplication : IHost, IAsyncDisposable
{
    private readonly IHost _host;
    private readonly DistributedApplicationOptions _options;
    private bool _started;
    private bool _stopped;

    internal DistributedApplication(IHost host)
    {
        _host = host;
        _options = host.Services.GetRequiredService<DistributedApplicationOptions>();

        // Created now so that it sees every line from the first one.
        _ = host.Services.GetRequiredService<ConsoleLogWriter>();
    }

    public IServiceProvider Services => _host.Services;

    public ResourceNotificationService ResourceNotifications => Services.GetRequiredService<ResourceNotificationService>();

    public ResourceLoggerService ResourceLoggers => Services.GetRequiredService<ResourceLoggerService>();

    public static IDistributedApplicationBuilder CreateBuilder(string[] args) =>
        CreateBuilder(new DistributedApplicationOptions { Args = args });

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options) =>
        new DistributedApplicationBuilder(options);

    /// <summary>
    /// Allocates the endpoints and starts the orchestration (resources then start in dependency order in the
    /// background: wait with <see cref="ResourceNotifications"/>). Throws <see cref="DistributedApplicationException"/>
    /// when the application cannot start (bad arguments, a port in use).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = !cancellationToken.CanBeCanceled && _options.StartTimeout is { } limit ? new CancellationTokenSource(limit) : null;
        Services.GetRequiredService<ApplicationOrchestrator>().Prepare();
        _started = true;
        await _host.StartAsync(timeout?.Token ?? cancellationToken);
    }

    /// <summary>Stops every resource gracefully.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_started && !_stopped)
        {
            _stopped = true;
            await _host.StopAsync(cancellationToken);
        }
    }

    /// <summary>Runs until Ctrl+C or SIGTERM. A start failure is one line on stderr and a non-zero exit code.</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await using (this)
        {
            try
            {
                await StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is DistributedApplicationException or NotSupportedException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                Environment.ExitCode = ex is DistributedApplicationException failure ? failure.ExitCode : 1;
                return;
            }

            await _host.WaitForShutdownAsync(cancellationToken);
            _stopped = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
