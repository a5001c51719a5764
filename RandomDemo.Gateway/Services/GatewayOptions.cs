namespace RandomDemo.Gateway.Services;

/// <summary>Gateway settings, configuration section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>How long one call to the generator may take before it fails with 504.</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(2);
}
