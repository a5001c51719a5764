using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RandomDemo.Hosting.ApplicationModel;
using RandomDemo.Hosting.Orchestration;

namespace RandomDemo.Hosting;

/// <summary>The AppHost's builder: a generic host builder (configuration, services, environment) plus the resources.</summary>
public sealed partial class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly HostApplicationBuilder _host;
    private readonly ResourceCollection _resources = [];
    private IBuilderInterception? _interception = Interception.Value;

    public DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        Options = options;
        var (configurationArgs, errors) = AppHostArguments.Parse(options.Args);
        options.ArgumentErrors.AddRange(errors);
        _host = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configurationArgs,
            ApplicationName = Assembly.GetEntryAssembly()?.GetName().Name,
        });

        // The AppHost's own messages are lines of the "apphost" resource, beside the services' output.
        var resourceLogs = new ResourceLoggerService();
        _host.Services.AddSingleton(resourceLogs);
        _host.Logging.ClearProviders();
        _host.Logging.AddProvider(new ResourceLogLoggerProvider(resourceLogs));
        _host.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // The generic host's own "Application started" would come before the resources are; the orchestrator reports instead.
        _host.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        _interception?.Created(this);
    }

    public ConfigurationManager Configuration => _host.Configuration;

    public IServiceCollection Services => _host.Services;

    public IHostEnvironment Environment => _host.Environment;

    public IResourceCollection Resources => _resources;

    internal DistributedApplicationOptions Options { get; }

    /// <summary>Set by the testing builder while it runs an AppHost's entry point, to capture the builder it creates.</summary>
    internal static AsyncLocal<IBuilderInterception?> Interception { get; } = new();

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : IResource
    {
        if (!ResourceName().IsMatch(resource.Name))
        {
            throw new ArgumentException(
                $"'{resource.Name}' is not a valid resource name: letters, digits and '-', starting with a letter, at most 64 characters.", nameof(resource));
        }

        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"Cannot add resource '{resource.Name}': a resource with that name already exists.");
        }

        _resources.Add(resource);
        return CreateResourceBuilder(resource);
    }

    public IResourceBuilder<T> CreateResourceBuilder<T>(T resource)
        where T : IResource => new ResourceBuilder<T>(this, resource);

    public DistributedApplication Build()
    {
        if (_interception is { } interception)
        {
            _interception = null;
            interception.Building(this);
        }

        var model = new DistributedApplicationModel(_resources);
        Options.ArgumentErrors.AddRange(EndpointAllocator.Validate(model, Configuration));
        Services.AddSingleton(model);
        Services.AddSingleton(Options);
        Services.AddSingleton<ResourceNotificationService>();
        Services.AddSingleton<ProcessLauncher>();
        Services.AddSingleton<HealthProbe>();
        Services.AddSingleton<ConsoleLogWriter>();
        Services.AddSingleton<ApplicationOrchestrator>();
        Services.AddHostedService(services => services.GetRequiredService<ApplicationOrchestrator>());
        return new DistributedApplication(_host.Build());
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex ResourceName();
}

/// <summary>Sees an AppHost's builder when it is created and when the AppHost builds it (see the testing builder).</summary>
internal interface IBuilderInterception
{
    void Created(DistributedApplicationBuilder builder);

    /// <summary>Called by Build(); may throw to stop the AppHost's entry point there.</summary>
    void Building(DistributedApplicationBuilder builder);
}
