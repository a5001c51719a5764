using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Kestrel limits every service sets on purpose, so that a client trickling its headers (slowloris),
/// flooding them, or idling on a kept-alive connection cannot pin connections. Configuration
/// (<c>Kestrel:Limits:*</c>) still wins over each default here.
/// </summary>
public static class ServerLimits
{
    public const string Section = "Kestrel:Limits";

    /// <summary>The whole request head must arrive within this (Kestrel's own default: 30 s).</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An idle kept-alive connection between requests is closed after this (Kestrel: 130 s). Open SSE responses are not idle.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest request line (Kestrel: 8 KB); the longest real one here is a /random/string query of under 100 bytes.</summary>
    public const int MaxRequestLineSize = 4 * 1024;

    /// <summary>All request headers together (Kestrel's 32 KB kept: browsers send every localhost cookie, whatever the port).</summary>
    public const int MaxRequestHeadersTotalSize = 32 * 1024;

    /// <summary>Header lines per request (Kestrel's 100 kept).</summary>
    public const int MaxRequestHeaderCount = 100;

    public static TBuilder AddServerLimits<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            var limits = kestrel.Limits;
            limits.RequestHeadersTimeout = RequestHeadersTimeout;
            limits.KeepAliveTimeout = KeepAliveTimeout;
            limits.MaxRequestLineSize = MaxRequestLineSize;
            limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
            limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
            builder.Configuration.GetSection(Section).Bind(limits);
        });
        return builder;
    }
}
