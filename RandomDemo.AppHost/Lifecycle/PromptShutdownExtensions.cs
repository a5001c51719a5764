namespace RandomDemo.AppHost.Lifecycle;

public static class PromptShutdownExtensions
{
    /// <summary>Aspire's in-memory OTLP export retry, which it turns on for every project.</summary>
    public const string OtlpRetryVariable = "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY";

    /// <summary>
    /// Lets the project stop within DCP's fixed wait between SIGTERM and SIGKILL: with Aspire's retry on,
    /// its last telemetry export at Ctrl+C retries against the dashboard, which is stopping too, until
    /// DCP kills it. Without it a failed export is dropped; while the app runs, exports to the local
    /// dashboard do not fail.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPromptShutdown(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithEnvironment(context => context.EnvironmentVariables.Remove(OtlpRetryVariable));
}
