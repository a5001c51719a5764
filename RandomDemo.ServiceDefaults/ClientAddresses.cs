using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Which address a request counts against in per-client limits. Behind a reverse proxy every
/// connection comes from the proxy, so the client it names in <c>X-Forwarded-For</c> counts instead,
/// but only when the proxy is trusted: loopback by default (ASP.NET Core's default); once
/// <c>ForwardedHeaders:KnownProxies</c> (addresses) or <c>ForwardedHeaders:KnownNetworks</c> (CIDR) is
/// set, exactly those. Anyone else's X-Forwarded-For is ignored, so a client cannot dodge a limit by
/// naming another address.
/// </summary>
public static class ClientAddresses
{
    public const string Section = "ForwardedHeaders";

    public static TBuilder AddForwardedClientAddresses<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection(Section);
        // PostConfigure: after ASP.NET Core's own set-up, which trusts every sender when
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED is true (Aspire sets it for external endpoints).
        builder.Services.PostConfigure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Walk back through the X-Forwarded-For list while each hop is a trusted proxy; the first
            // address not trusted is the client (a chain of trusted proxies works, a forged entry stops there).
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            var proxies = Values(section, "KnownProxies").ToList();
            var networks = Values(section, "KnownNetworks").ToList();
            if (proxies.Count + networks.Count == 0)
            {
                // ASP.NET Core's defaults: a proxy on the same host.
                proxies.Add(IPAddress.IPv6Loopback.ToString());
                networks.Add("127.0.0.0/8");
            }

            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                    ? parsed
                    : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."));
            }
        });
        return builder;
    }

    /// <summary>
    /// The client address a per-client limit counts (the forwarded one when a trusted proxy sent the
    /// request; IPv4-mapped IPv6 as IPv4); null when the request is exempt: from loopback while
    /// <paramref name="exemptLoopback"/> holds (local tools and benchmarks), or with no IP peer.
    /// </summary>
    public static IPAddress? ForLimits(HttpContext context, bool exemptLoopback)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return exemptLoopback && IPAddress.IsLoopback(address) ? null : address;
    }

    /// <summary>Takes the client address from a trusted proxy's X-Forwarded-For; call first in the pipeline.</summary>
    public static WebApplication UseForwardedClientAddresses(this WebApplication app)
    {
        // With ASPNETCORE_FORWARDEDHEADERS_ENABLED, ASP.NET Core already runs the middleware first,
        // with the options above: a second one would only walk the header again.
        if (!app.Configuration.GetValue<bool>(FrameworkSwitch))
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>ASP.NET Core's own switch (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>), which Aspire sets.</summary>
    private const string FrameworkSwitch = "ForwardedHeaders_Enabled";

    // A list in configuration: KnownProxies:0, KnownProxies:1, ... (or one comma-separated value).
    private static IEnumerable<string> Values(IConfigurationSection section, string key) =>
        section.GetSection(key).GetChildren().Select(child => child.Value)
            .Append(section[key])
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
