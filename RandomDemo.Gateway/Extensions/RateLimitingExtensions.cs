using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using RandomDemo.Gateway.Services;

namespace RandomDemo.Gateway.Extensions;

internal static class RateLimitingExtensions
{
    /// <summary>The policy of the generator-backed endpoints: a token bucket per client address (<see cref="RateLimitOptions"/>).</summary>
    public const string PerClientAddress = "per-client-address";

    public static IServiceCollection AddPerClientAddressRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PerClientAddress, context =>
            {
                var settings = RateLimitSettings(context);
                var address = settings.PermitsPerSecond > 0 ? ClientAddresses.ForLimits(context, settings.ExemptLoopback) : null;
                return address is null
                    ? RateLimitPartition.GetNoLimiter(IPAddress.None)
                    : RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = settings.Burst,
                        TokensPerPeriod = settings.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limiter.OnRejected = WriteTooManyRequestsAsync;
        });

    private static RateLimitOptions RateLimitSettings(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RateLimit;

    /// <summary>429 as problem details, with Retry-After: when the bucket has a token again (whole seconds, at least 1).</summary>
    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var settings = RateLimitSettings(context);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This client address sent more than {settings.PermitsPerSecond} requests a second (bursts up to {settings.Burst}); retry after the Retry-After seconds.",
            },
        });
    }
}
