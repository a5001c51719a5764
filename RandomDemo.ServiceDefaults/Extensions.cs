using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RandomDemo.Contracts;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The service defaults every RandomDemo service applies, as the Aspire template's
/// ServiceDefaults project does: OpenTelemetry, health checks, service discovery and resilience; plus
/// Kestrel limits (<see cref="ServerLimits"/>) and trusted-proxy client addresses (<see cref="ClientAddresses"/>).
/// </summary>
public static class Extensions
{
    /// <summary>Configuration section bound to the standard HTTP resilience options.</summary>
    public const string HttpResilienceSection = "HttpClientResilience";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddServerLimits();
        builder.AddForwardedClientAddresses();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Bound to configuration so that operators (and tests) can tune every timeout.
            http.AddStandardResilienceHandler(options => builder.Configuration.GetSection(HttpResilienceSection).Bind(options));
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // Telemetry that nobody receives is not collected: without an OTLP endpoint (a service run
        // alone) no listener makes the hosts and clients create spans, tags and measurements per request.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        // Each service names its own ActivitySource and Meter after its application name.
        var serviceSource = builder.Environment.ApplicationName;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceSource))
            .WithTracing(tracing => tracing
                .AddSource(serviceSource)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsHealthPath(context.Request.Path))
                .AddGrpcClientInstrumentation(options => options.SuppressDownstreamInstrumentation = true)
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Listens on <paramref name="port"/> unless the environment already says where to listen,
    /// so that <c>dotnet run</c> alone uses the documented port and an orchestrator's
    /// ASPNETCORE_URLS (or a container's HTTP_PORTS) still wins.
    /// </summary>
    public static WebApplicationBuilder UseDefaultPort(this WebApplicationBuilder builder, int port)
    {
        var configuration = builder.Configuration;
        var configured = !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls($"http://localhost:{port}");
        }

        return builder;
    }

    /// <summary>
    /// Maps <see cref="HealthEndpoints.Health"/> (every check) and <see cref="HealthEndpoints.Alive"/> (liveness
    /// only). The body is <c>{"status":"ok"}</c> plus whatever data the checks report, 503 when unhealthy.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpoints.Health, new HealthCheckOptions { ResponseWriter = WriteHealthJson });
        app.MapHealthChecks(HealthEndpoints.Alive, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("live"),
            ResponseWriter = WriteHealthJson,
        });
        return app;
    }

    private static bool IsHealthPath(PathString path) =>
        path.StartsWithSegments(HealthEndpoints.Health) || path.StartsWithSegments(HealthEndpoints.Alive);

    private static async Task WriteHealthJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        // The pipe, not the body stream: JsonSerializer flushes synchronously, which Kestrel forbids on streams.
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", report.Status switch
        {
            HealthStatus.Healthy => "ok",
            HealthStatus.Degraded => "degraded",
            _ => "unhealthy",
        });
        foreach (var entry in report.Entries.Values)
        {
            foreach (var (key, value) in entry.Data)
            {
                json.WritePropertyName(key);
                JsonSerializer.Serialize(json, value, value.GetType());
            }
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
