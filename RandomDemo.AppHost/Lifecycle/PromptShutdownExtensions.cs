using Microsoft.Extensions.Configuration;

namespace RandomDemo.AppHost.Lifecycle;

public static class PromptShutdownExtensions
{
    /// <summary>Aspire's in-memory OTLP retry, which it turns on for every project.</summary>
    public const string OtlpRetryVariable = "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY";

    /// <summary>
    /// True (default) removes <see cref="OtlpRetryVariable"/>; <c>--AppHost:PromptShutdown=false</c>
    /// keeps Aspire's default, for comparing the two (bench/apphost-shutdown.sh).
    /// </summary>
    public const string PromptShutdownKey = "AppHost:PromptShutdown";

    /// <summary>
    /// Lets every project stop within DCP's fixed 6 s SIGTERM-to-SIGKILL window. With Aspire's
    /// in-memory OTLP retry, an app's final telemetry flush retries for 8-10 s against the dashboard
    /// that has already stopped, so DCP kills it (13-16 s per Ctrl+C, no graceful end). Without it
    /// the exporter still sends everything while the dashboard runs; a failed export is dropped
    /// instead of retried, which on loopback to a live dashboard does not happen.
    /// <para>
    /// What remains after the services are gone (2.5-3.5 s) is DCP's own exit: its API server checks
    /// once a second that every resource is deleted, and its controller process notices the API
    /// server's exit at its next 2 s poll. DCP_SHUTDOWN_TIMEOUT_SECONDS=1 (DCP's documented limit on
    /// that clean-up) ends it ~1.5 s sooner but hands services still stopping to `dcp monitor-process`,
    /// which SIGKILLed one in 6 Ctrl+C runs: not set here (bench/RESULTS.md, "AppHost shutdown").
    /// </para>
    /// </summary>
    public static IDistributedApplicationBuilder AddPromptShutdown(this IDistributedApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue(PromptShutdownKey, true))
        {
            return builder;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            foreach (var project in e.Model.Resources.OfType<ProjectResource>())
            {
                // Runs after Aspire's own OTLP callback, which AddProject added first.
                project.Annotations.Add(new EnvironmentCallbackAnnotation(environment => environment.Remove(OtlpRetryVariable)));
            }

            return Task.CompletedTask;
        });
        return builder;
    }
}
