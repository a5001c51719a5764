using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.Extensions;

namespace RandomDemo.Streaming.Upstream;

/// <summary>Configuration section "Upstream": the shared StreamRandomData call and its reconnects.</summary>
internal sealed class UpstreamOptions
{
    public const string SectionName = "Upstream";

    public DataType DataType { get; set; } = DataType.Numeric;

    // By default the upstream is the generator's default stream.
    public int FrequencyMs { get; set; } = StreamDefaults.FrequencyMs;

    public int MinValue { get; set; } = StreamDefaults.NumericMin;

    public int MaxValue { get; set; } = StreamDefaults.NumericMax;

    public int HistorySize { get; set; }

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    // A refused connection costs next to nothing, while every second of the cap can be a second of
    // silence for every client after the generator is back: events resume within a period plus this.
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMilliseconds(500);
}

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.Require(UpstreamOptions.SectionName, Enum.IsDefined(options.DataType), nameof(options.DataType), "must be NUMERIC, PERCENTAGE or BOOLEAN", options.DataType);
        builder.Require(UpstreamOptions.SectionName, options.FrequencyMs >= 1, nameof(options.FrequencyMs), "must be at least 1", options.FrequencyMs);
        builder.Require(UpstreamOptions.SectionName, options.MinValue <= options.MaxValue, nameof(options.MinValue), $"must not be greater than {UpstreamOptions.SectionName}:{nameof(options.MaxValue)} ({options.MaxValue})", options.MinValue);
        builder.Require(UpstreamOptions.SectionName, options.HistorySize is >= 0 and <= RandomLimits.MaxHistorySize, nameof(options.HistorySize), $"must be between 0 and {RandomLimits.MaxHistorySize}", options.HistorySize);
        builder.Require(UpstreamOptions.SectionName, options.InitialBackoff > TimeSpan.Zero, nameof(options.InitialBackoff), "must be a positive time span", options.InitialBackoff);
        builder.Require(UpstreamOptions.SectionName, options.MaxBackoff >= options.InitialBackoff, nameof(options.MaxBackoff), $"must not be less than {UpstreamOptions.SectionName}:{nameof(options.InitialBackoff)} ({options.InitialBackoff})", options.MaxBackoff);
        return builder.Build();
    }
}
