using Microsoft.Extensions.Configuration;

namespace RandomDemo.AppHost.Lifecycle;

public static class PromptShutdownExtensions
{
    /// <summary>Aspire's in-memory OTLP retry, which it turns on for every project.</summary>
    public const string OtlpRetryVariable = "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY";

    /// <summary>
    /// DCP's limit on its resource clean-up at shutdown, in seconds (microsoft/dcp README,
    /// "Environment variables affecting DCP behavior"; default 120).
    /// </summary>
    public const string DcpCleanupTimeoutVariable = "DCP_SHUTDOWN_TIMEOUT_SECONDS";

    /// <summary>Our <see cref="DcpCleanupTimeoutVariable"/> unless the environment sets one.</summary>
    public const int DcpCleanupTimeoutSeconds = 1;

    /// <summary>
    /// True (default) applies both settings below; <c>--AppHost:PromptShutdown=false</c> keeps
    /// Aspire's and DCP's defaults, for comparing the two (bench/apphost-shutdown.sh).
    /// </summary>
    public const string PromptShutdownKey = "AppHost:PromptShutdown";

    /// <summary>
    /// Makes Ctrl+C stop the whole app in about 1-3 s instead of 12-14 s, every service still
    /// stopping gracefully (bench/RESULTS.md, "AppHost shutdown").
    /// <para>
    /// 1. Removes <see cref="OtlpRetryVariable"/> from every project, so that each stops within DCP's
    /// fixed 6 s SIGTERM-to-SIGKILL window. With Aspire's in-memory OTLP retry, an app's final
    /// telemetry flush retries for 8-10 s against the dashboard that has already stopped, so DCP kills
    /// it. Without it the exporter still sends everything while the dashboard runs; a failed export is
    /// dropped instead of retried, which on loopback to a live dashboard does not happen.
    /// </para>
    /// <para>
    /// 2. Sets <see cref="DcpCleanupTimeoutVariable"/> to <see cref="DcpCleanupTimeoutSeconds"/> for DCP,
    /// which inherits the AppHost's environment. On Ctrl+C DCP's API server deletes every resource and
    /// checks once a second until they are gone before it exits, and its controller process notices
    /// that exit only at its next 2 s poll: ~2.5 s of DCP after the services were gone. With the limit
    /// the API server exits after 1 s; a service still stopping then keeps its SIGTERM and the 6 s
    /// before SIGKILL, from the controller process or from the `dcp monitor-process` that watches it.
    /// </para>
    /// </summary>
    public static IDistributedApplicationBuilder AddPromptShutdown(this IDistributedApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue(PromptShutdownKey, true))
        {
            return builder;
        }

        if (builder.ExecutionContext.IsRunMode && Environment.GetEnvironmentVariable(DcpCleanupTimeoutVariable) is null)
        {
            Environment.SetEnvironmentVariable(DcpCleanupTimeoutVariable, DcpCleanupTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
