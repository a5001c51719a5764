using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.Apis;
using RandomDemo.Streaming.Broadcasting;
using RandomDemo.Streaming.EventLog;
using RandomDemo.Streaming.Telemetry;
using RandomDemo.Streaming.Upstream;

namespace RandomDemo.Streaming.Extensions;

internal static class StreamingServiceExtensions
{
    public static WebApplicationBuilder AddStreamingServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // Sends run inline on the writer's flush instead of as a second work item per delivery,
        // so an idle SSE response does not keep a pool block: memory per client is what the fan-out scales by.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);

        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidator>();
        services.AddOptions<UpstreamOptions>().BindConfiguration(UpstreamOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>();

        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);

        // The test page runs from file:// (origin "null") and EventSource may send Last-Event-ID.
        services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get)
            .WithHeaders(StreamingApi.LastEventIdHeader, "Cache-Control")));

        services.AddSingleton<UpstreamStatus>();
        services.AddSingleton<StreamingTelemetry>();
        services.AddSingleton<EventStateFile>();
        services.AddSingleton(provider =>
        {
            var broadcaster = ActivatorUtilities.CreateInstance<EventBroadcaster>(provider);
            if (provider.GetRequiredService<EventStateFile>().Load() is { } saved)
            {
                broadcaster.Restore(saved);
            }

            provider.GetRequiredService<StreamingTelemetry>().ObserveCounts(broadcaster, provider.GetRequiredService<UpstreamStatus>(), provider.GetRequiredService<EventLogStatus>());
            return broadcaster;
        });

        services.AddRandomServiceClient(builder.Configuration);
        services.AddHealthChecks().AddCheck<UpstreamHealthCheck>("upstream");

        // Order matters: hosted services stop in reverse, so the state is saved after the reader stopped publishing.
        services.AddHostedService<BroadcasterLifetime>();
        services.AddHostedService<UpstreamReader>();
        builder.AddEventLog();
        return builder;
    }
}
