using Microsoft.Extensions.Options;
using RandomDemo.Streaming.Extensions;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// Configuration section "EventLog": the log shared by streaming replicas, on when the connection
/// string <see cref="ConnectionName"/> is set. Its capacity is Streaming:ReplayBufferSize.
/// </summary>
internal sealed class EventLogOptions
{
    public const string SectionName = "EventLog";

    /// <summary><c>ConnectionStrings:events</c>, the name Aspire's <c>WithReference</c> gives a Redis resource called "events".</summary>
    public const string ConnectionName = "events";

    /// <summary>Prefix of the Redis keys (<see cref="RedisEventLog"/>): <c>{Name}:events</c> (the stream and its channel), <c>{Name}:producer</c> (the lease), <c>{Name}:floor</c>, <c>{Name}:opened</c>, <c>{Name}:grace</c>.</summary>
    public string Name { get; set; } = "randomdemo";

    /// <summary>
    /// How long the producer lease lasts unless renewed (every quarter of it): a producer that dies
    /// is replaced within this plus a quarter.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(1);
}

internal sealed class EventLogOptionsValidator : IValidateOptions<EventLogOptions>
{
    public ValidateOptionsResult Validate(string? name, EventLogOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.Require(EventLogOptions.SectionName, !string.IsNullOrWhiteSpace(options.Name), nameof(options.Name), "must not be empty", $"'{options.Name}'");
        builder.Require(EventLogOptions.SectionName, options.LeaseTtl >= TimeSpan.FromMilliseconds(100), nameof(options.LeaseTtl), "must be at least 00:00:00.1", options.LeaseTtl);
        return builder.Build();
    }
}
