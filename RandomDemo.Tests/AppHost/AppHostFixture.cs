using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// The real AppHost started once for a collection through Aspire's
/// <c>DistributedApplicationTestingBuilder</c>: DCP runs the three projects on free ports; every
/// wait has a timeout; resource output goes to the running test's output.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    /// <summary>Start (build, DCP, three processes, health) and stop each take seconds; this bounds both.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The bound of any single wait inside a test.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    public static readonly string[] Services = [ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming];

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("randomdemo-apphost-").FullName;

    public TestOutputLoggerProvider Logs { get; } = new();

    public DistributedApplication App { get; private set; } = null!;

    public ResourceNotificationService Notifications => App.ResourceNotifications;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        App = await StartAsync(Logs, [$"--AppHost:StateDirectory={_stateDirectory}"], timeout.Token);
        foreach (var name in Services)
        {
            await Notifications.WaitForResourceHealthyAsync(name, timeout.Token);
        }
    }

    /// <summary>Builds and starts the AppHost's real model (start returns once every resource has started).</summary>
    public static async Task<DistributedApplication> StartAsync(TestOutputLoggerProvider logs, string[] args, CancellationToken cancellationToken)
    {
        var app = await BuildAsync(logs, args, configure: null, cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>
    /// Builds the AppHost's real model, without starting it; <paramref name="configure"/> may change
    /// the model first (as a test of a behaviour it needs).
    /// </summary>
    public static async Task<DistributedApplication> BuildAsync(
        TestOutputLoggerProvider logs, string[] args, Action<IDistributedApplicationTestingBuilder>? configure, CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RandomDemo_AppHost>(args, cancellationToken);
        builder.Services.AddLogging(logging => logging
            .AddProvider(logs)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning)
            .AddFilter("Microsoft", LogLevel.Warning)
            // Failed probes while services start are expected; the resource states say what matters.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        configure?.Invoke(builder);
        return await builder.BuildAsync(cancellationToken);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await App.StopAsync(timeout.Token);
            await App.DisposeAsync();
        }

        Logs.Dispose();
        Directory.Delete(_stateDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}
