using Microsoft.Extensions.Options;

namespace RandomDemo.Streaming.Extensions;

internal static class OptionsValidationExtensions
{
    /// <summary>Adds an error naming the full configuration key (e.g. "Upstream:FrequencyMs") unless <paramref name="valid"/>.</summary>
    public static void Require(this ValidateOptionsResultBuilder builder, string section, bool valid, string key, string rule, object value)
    {
        if (!valid)
        {
            builder.AddError($"{section}:{key} {rule} (got {value}).");
        }
    }
}
