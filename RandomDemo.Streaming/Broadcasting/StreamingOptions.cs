using Microsoft.Extensions.Options;
using RandomDemo.Streaming.Extensions;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>Configuration section "Streaming": the SSE side of the service.</summary>
internal sealed class StreamingOptions
{
    public const string SectionName = "Streaming";

    public int RetryMilliseconds { get; set; } = 3000;

    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    public int ReplayBufferSize { get; set; } = 1024;

    public int ClientQueueCapacity { get; set; } = 256;

    /// <summary>
    /// What one process holds: one socket per client, which leaves a process whose open files are
    /// capped at 20,000 room for its own.
    /// </summary>
    public int MaxClients { get; set; } = 19_000;

    /// <summary>Streams one client address may hold: many browser tabs behind one NAT, not one client taking the service.</summary>
    public int MaxClientsPerAddress { get; set; } = 100;

    /// <summary>Loopback clients (local tools, benchmarks) are not held to <see cref="MaxClientsPerAddress"/>.</summary>
    public bool ExemptLoopback { get; set; } = true;

    public string? StateFile { get; set; }
}

internal sealed class StreamingOptionsValidator : IValidateOptions<StreamingOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamingOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.Require(StreamingOptions.SectionName, options.RetryMilliseconds >= 0, nameof(options.RetryMilliseconds), "must be 0 or more", options.RetryMilliseconds);
        builder.Require(StreamingOptions.SectionName, options.KeepAliveInterval > TimeSpan.Zero, nameof(options.KeepAliveInterval), "must be a positive time span", options.KeepAliveInterval);
        builder.Require(StreamingOptions.SectionName, options.ReplayBufferSize >= 1, nameof(options.ReplayBufferSize), "must be at least 1", options.ReplayBufferSize);
        builder.Require(StreamingOptions.SectionName, options.ClientQueueCapacity >= 1, nameof(options.ClientQueueCapacity), "must be at least 1", options.ClientQueueCapacity);
        builder.Require(StreamingOptions.SectionName, options.MaxClients >= 1, nameof(options.MaxClients), "must be at least 1", options.MaxClients);
        builder.Require(StreamingOptions.SectionName, options.MaxClientsPerAddress >= 1, nameof(options.MaxClientsPerAddress), "must be at least 1", options.MaxClientsPerAddress);
        return builder.Build();
    }
}
