using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RandomDemo.Contracts;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// WaitFor(generator) proven by behaviour: with the generator running but held unhealthy by an
/// extra health check the test controls, the gateway and streaming service do not start; they
/// start once it turns healthy. Without WaitFor they would start as soon as they could.
/// </summary>
// In the AppHost collection: apps of the AppHost (each with its own DCP) run one at a time, never
// beside the shared app: two DCPs starting or stopping at once can disturb each other.
[Collection(AppHostCollection.Name)]
public sealed class WaitForTests(ITestOutputHelper output)
{
    /// <summary>How long the dependents must stay waiting while the generator runs unhealthy.</summary>
    private static readonly TimeSpan HeldFor = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Gateway_and_streaming_start_only_once_the_generator_is_healthy()
    {
        var gateOpen = false;
        using var logs = new TestLogRouter();
        using var route = logs.RouteTo(output);
        using var timeout = new CancellationTokenSource(AppHostFixture.StartTimeout);
        await using var app = await AppHostFixture.BuildAsync(logs, builder =>
        {
            builder.Services.AddHealthChecks().AddCheck("test_gate", () =>
                Volatile.Read(ref gateOpen) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the test holds the generator unhealthy"));
            var generator = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ServiceNames.Generator);
            builder.CreateResourceBuilder(generator).WithHealthCheck("test_gate");
        }, timeout.Token);

        // Start returns only once every resource has started, so it runs while the test watches.
        var starting = app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceAsync(ServiceNames.Generator, KnownResourceStates.Running, timeout.Token);
        await Task.Delay(HeldFor, timeout.Token);

        foreach (var dependent in (string[])[ServiceNames.Gateway, ServiceNames.Streaming])
        {
            Assert.True(app.ResourceNotifications.TryGetCurrentState(dependent, out var waiting));
            Assert.Equal(KnownResourceStates.Waiting, waiting.Snapshot.State?.Text);
            Assert.Null(waiting.Snapshot.StartTimeStamp);
        }

        Assert.False(starting.IsCompleted, "the app finished starting while the generator was unhealthy");
        Volatile.Write(ref gateOpen, true);

        await starting;

        await app.ResourceNotifications.WaitForResourceHealthyAsync(ServiceNames.Gateway, timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(ServiceNames.Streaming, timeout.Token);
        using var gateway = app.CreateHttpClient(ServiceNames.Gateway);
        Assert.Equal("""{"number":5,"min":5,"max":5}""", await gateway.GetStringAsync("/random/number?min=5&max=5", timeout.Token));
    }
}
