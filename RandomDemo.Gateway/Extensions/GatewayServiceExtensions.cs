using System.Text.Json.Serialization;
using RandomDemo.Contracts;
using RandomDemo.Gateway.Model;
using RandomDemo.Gateway.Services;
using Scalar.AspNetCore;

namespace RandomDemo.Gateway.Extensions;

internal static class GatewayServiceExtensions
{
    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .Validate(options => options.CallDeadline > TimeSpan.Zero, $"{GatewayOptions.SectionName}:{nameof(GatewayOptions.CallDeadline)} must be positive.")
            .Validate(options => options.RateLimit.PermitsPerSecond >= 0, $"{GatewayOptions.SectionName}:RateLimit:{nameof(RateLimitOptions.PermitsPerSecond)} must be 0 (off) or more.")
            .Validate(options => options.RateLimit.Burst >= 1, $"{GatewayOptions.SectionName}:RateLimit:{nameof(RateLimitOptions.Burst)} must be at least 1.")
            .ValidateOnStart();

        builder.Services.AddRandomServiceClient(builder.Configuration);
        builder.Services.AddSingleton<GeneratorCallPolicy>();
        builder.Services.AddPerClientAddressRateLimit();

        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // Response bodies use the source-generated serializers first.
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
            // Numbers are written as numbers; the web default (also read from strings) would make
            // the OpenAPI schema say "integer or string".
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "RandomDemo Gateway";
            document.Info.Description = "REST front of the RandomDemo gRPC generator: random numbers and strings.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>The OpenAPI document always; the API reference UI only in Development.</summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            // The UI script is served from the package itself. Off: the default fonts (a CDN), the
            // AI agent, and the request proxy (scalar.com) that "Send" uses for non-local hosts.
            app.MapScalarApiReference(options => options
                .WithTitle("RandomDemo Gateway API")
                .DisableDefaultFonts()
                .DisableAgent()
                .WithProxy(string.Empty));
        }

        return app;
    }
}
