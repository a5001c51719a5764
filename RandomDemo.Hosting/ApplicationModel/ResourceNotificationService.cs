using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>
/// The current snapshot of every resource and a stream of their changes. Waits without a token of their own
/// give up after <see cref="DefaultWaitTimeout"/>, so a test never hangs.
/// </summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceEvent> _current = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly List<Channel<ResourceEvent>> _watchers = [];
    private TaskCompletionSource _changed = NewSignal();

    public TimeSpan DefaultWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool TryGetCurrentState(string resourceName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ResourceEvent? resourceEvent) =>
        _current.TryGetValue(resourceName, out resourceEvent);

    public Task PublishUpdateAsync(IResource resource, Func<CustomResourceSnapshot, CustomResourceSnapshot> update)
    {
        ResourceEvent next;
        TaskCompletionSource changed;
        lock (_gate)
        {
            var previous = _current.TryGetValue(resource.Name, out var current)
                ? current.Snapshot
                : new CustomResourceSnapshot { ResourceType = resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal) };
            next = new ResourceEvent(resource, update(previous));
            _current[resource.Name] = next;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(next);
            }

            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Every change of every resource from now on, starting with the current snapshots.</summary>
    public async IAsyncEnumerable<ResourceEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceEvent>();
        lock (_gate)
        {
            foreach (var current in _current.Values)
            {
                channel.Writer.TryWrite(current);
            }

            _watchers.Add(channel);
        }

        try
        {
            await foreach (var resourceEvent in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return resourceEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Waits until the resource is in <paramref name="targetState"/> (Running when null).</summary>
    public Task<ResourceEvent> WaitForResourceAsync(string resourceName, string? targetState = null, CancellationToken cancellationToken = default)
    {
        var state = targetState ?? KnownResourceStates.Running;
        return WaitForResourceAsync(resourceName, e => string.Equals(e.Snapshot.State, state, StringComparison.OrdinalIgnoreCase), $"state {state}", cancellationToken);
    }

    /// <summary>Waits until the resource is Running and its health probe answers healthy.</summary>
    public Task<ResourceEvent> WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(resourceName, IsHealthy, "healthy", cancellationToken);

    public async Task<ResourceEvent> WaitForResourceAsync(
        string resourceName, Func<ResourceEvent, bool> predicate, string description, CancellationToken cancellationToken = default)
    {
        using var timeout = cancellationToken.CanBeCanceled ? null : new CancellationTokenSource(DefaultWaitTimeout);
        var token = timeout?.Token ?? cancellationToken;
        try
        {
            return await WaitUntilAsync(resourceName, predicate, token);
        }
        catch (OperationCanceledException) when (timeout is not null && timeout.IsCancellationRequested)
        {
            var last = TryGetCurrentState(resourceName, out var current) ? Describe(current.Snapshot) : "unknown";
            throw new TimeoutException($"Resource '{resourceName}' was not {description} within {DefaultWaitTimeout.TotalSeconds:0} s (last: {last}).");
        }
    }

    internal static bool IsHealthy(ResourceEvent resourceEvent) =>
        resourceEvent.Snapshot.State == KnownResourceStates.Running && resourceEvent.Snapshot.HealthStatus == HealthStatus.Healthy;

    internal static string Describe(CustomResourceSnapshot snapshot) =>
        snapshot.HealthStatus is { } health ? $"{snapshot.State}, {health}" : snapshot.State;

    private async Task<ResourceEvent> WaitUntilAsync(string resourceName, Func<ResourceEvent, bool> predicate, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (_current.TryGetValue(resourceName, out var current) && predicate(current))
            {
                return current;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
