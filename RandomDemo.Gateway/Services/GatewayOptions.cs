namespace RandomDemo.Gateway.Services;

/// <summary>Gateway settings, configuration section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>How long one call to the generator may take before it fails with 504.</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Gateway:RateLimit</c>: requests per client address to the generator-backed API.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>A token bucket per client address: <see cref="PermitsPerSecond"/> requests a second, bursts up to <see cref="Burst"/>.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Tokens added to each address's bucket every second; 0 turns the limit off.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>The bucket's size: how many requests one address may send at once after a quiet spell.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Loopback clients (local tools, benchmarks) are not limited.</summary>
    public bool ExemptLoopback { get; set; } = true;
}
