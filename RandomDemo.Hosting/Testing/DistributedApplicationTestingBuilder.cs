using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Testing;

/// <summary>
/// Runs an AppHost's own entry point and captures the builder it creates, so a test starts the real app model:
/// every port randomized, output to the test (see <see cref="DistributedApplicationTestingBuilderExtensions.WriteOutputTo"/>),
/// a default time limit on start (<see cref="DefaultTimeout"/>) and on waits.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    /// <summary>Limit of CreateAsync and of StartAsync when their token cannot be cancelled.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : class => CreateAsync<TEntryPoint>([], cancellationToken);

    /// <param name="args">The AppHost's command line, e.g. <c>--Ports:gateway=0</c>.</param>
    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : class
    {
        var entryPoint = typeof(TEntryPoint).Assembly.EntryPoint
            ?? throw new InvalidOperationException($"{typeof(TEntryPoint).Assembly.GetName().Name} has no entry point; pass a type of the AppHost (Projects.{{AppHost}}).");
        var interception = new EntryPointInterception();
        var run = Task.Run(() =>
        {
            DistributedApplicationBuilder.Interception.Value = interception;
            return RunEntryPointAsync(entryPoint, args);
        }, cancellationToken);

        using var timeout = cancellationToken.CanBeCanceled ? null : new CancellationTokenSource(DefaultTimeout);
        await Task.WhenAny(interception.Captured, run).WaitAsync(timeout?.Token ?? cancellationToken);

        // Build() captures the builder before it stops the entry point, so a captured builder wins over a finished run.
        if (!interception.Captured.IsCompleted)
        {
            await run;
            throw new InvalidOperationException($"The entry point of {entryPoint.DeclaringType?.Assembly.GetName().Name} returned without building a DistributedApplication.");
        }

        return new TestingBuilder(await interception.Captured);
    }

    private static async Task RunEntryPointAsync(MethodInfo entryPoint, string[] args)
    {
        try
        {
            var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [args]);
            if (result is Task task)
            {
                await task;
            }
        }
        catch (TargetInvocationException ex) when (ex.InnerException is EntryPointStoppedException)
        {
            // Build() was reached: the builder is captured, the rest of the entry point (Run) must not happen.
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
        }
        catch (EntryPointStoppedException)
        {
            // As above, for an async entry point.
        }
    }

    /// <summary>Thrown from Build() to leave the AppHost's entry point once its builder is captured.</summary>
    private sealed class EntryPointStoppedException : Exception;

    private sealed class EntryPointInterception : IBuilderInterception
    {
        private readonly TaskCompletionSource<DistributedApplicationBuilder> _captured = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<DistributedApplicationBuilder> Captured => _captured.Task;

        public void Created(DistributedApplicationBuilder builder)
        {
            builder.Options.RandomizePorts = true;
            builder.Options.StartTimeout = DefaultTimeout;
        }

        public void Building(DistributedApplicationBuilder builder)
        {
            _captured.TrySetResult(builder);
            throw new EntryPointStoppedException();
        }
    }

    private sealed class TestingBuilder(DistributedApplicationBuilder inner) : IDistributedApplicationTestingBuilder
    {
        public DistributedApplicationBuilder Inner { get; } = inner;

        public ConfigurationManager Configuration => Inner.Configuration;

        public IServiceCollection Services => Inner.Services;

        public IHostEnvironment Environment => Inner.Environment;

        public IResourceCollection Resources => Inner.Resources;

        public IResourceBuilder<T> AddResource<T>(T resource)
            where T : IResource => Inner.AddResource(resource);

        public IResourceBuilder<T> CreateResourceBuilder<T>(T resource)
            where T : IResource => Inner.CreateResourceBuilder(resource);

        public DistributedApplication Build() => Inner.Build();

        public Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default) => Task.FromResult(Build());

        public void WriteOutputTo(Action<string> writeLine) => Inner.Options.Output = writeLine;
    }
}

/// <summary>The builder a test gets: the AppHost's own builder, built with <see cref="BuildAsync"/>.</summary>
public interface IDistributedApplicationTestingBuilder : IDistributedApplicationBuilder
{
    Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends every line of resource and AppHost output to <paramref name="writeLine"/> (e.g. ITestOutputHelper.WriteLine).</summary>
    void WriteOutputTo(Action<string> writeLine);
}
