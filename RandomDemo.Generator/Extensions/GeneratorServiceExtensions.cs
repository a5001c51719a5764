using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RandomDemo.Generator.Extensions;

internal static class GeneratorServiceExtensions
{
    public static WebApplicationBuilder AddGeneratorServices(this WebApplicationBuilder builder)
    {
        // gRPC over cleartext needs HTTP/2 with prior knowledge (h2c) on every endpoint.
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));

        builder.Services.AddGrpc(options =>
        {
            // Every failure leaves as a proper status; details only where a developer is looking.
            options.EnableDetailedErrors = builder.Environment.IsDevelopment();
        });
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GeneratorTelemetry>();
        return builder;
    }
}
