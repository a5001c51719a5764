namespace RandomDemo.AppHost.Lifecycle;

public static class PromptShutdownExtensions
{
    /// <summary>Aspire's in-memory OTLP export retry, which it turns on for every project.</summary>
    public const string OtlpRetryVariable = "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY";

    /// <summary>DCP's limit on the wait for its own clean-up at shutdown (its default: 120 s).</summary>
    public const string DcpShutdownTimeoutVariable = "DCP_SHUTDOWN_TIMEOUT_SECONDS";

    /// <summary>
    /// Bounds DCP's own wait after Ctrl+C. Its API server checks once a second whether every resource is
    /// deleted, and its controller process notices the API server's exit only at its own check, up to two
    /// seconds later. With a one-second limit the clean-up ends at the first check at the latest, and when
    /// the limit is what ends it, DCP exits at once; a service still stopping then is signalled and waited
    /// for by its own <c>dcp monitor-process</c>, with the same grace period DCP gives. A value set in the
    /// environment is kept.
    /// </summary>
    public static IDistributedApplicationBuilder AddPromptShutdown(this IDistributedApplicationBuilder builder)
    {
        // DCP inherits the AppHost's environment when it starts.
        if (builder.ExecutionContext.IsRunMode && Environment.GetEnvironmentVariable(DcpShutdownTimeoutVariable) is null)
        {
            Environment.SetEnvironmentVariable(DcpShutdownTimeoutVariable, "1");
        }

        return builder;
    }

    /// <summary>
    /// Lets the project stop within DCP's fixed wait between SIGTERM and SIGKILL: with Aspire's retry on,
    /// its last telemetry export at Ctrl+C retries against the dashboard, which is stopping too, until
    /// DCP kills it. Without it a failed export is dropped; while the app runs, exports to the local
    /// dashboard do not fail.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPromptShutdown(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithEnvironment(context => context.EnvironmentVariables.Remove(OtlpRetryVariable));
}
