using Microsoft.Extensions.Configuration;
using RandomDemo.Hosting.Orchestration;

namespace RandomDemo.Hosting;

/// <summary>
/// The AppHost's command line: configuration overrides <c>--Key=Value</c> or <c>--Key Value</c> for the keys it knows
/// (<c>Ports:{resource}[:{endpoint}]</c>, the OTLP endpoint, <c>environment</c>). Anything else is an error message
/// naming the argument.
/// </summary>
internal static class AppHostArguments
{
    private static readonly string[] KnownKeys = [ResourceEnvironment.OtlpEndpointKey, "environment"];

    public static string Usage =>
        $"expected --{EndpointAllocator.PortsSection}:<resource>[:<endpoint>]=<port>, --{ResourceEnvironment.OtlpEndpointKey}=<url> or --environment=<name>";

    /// <summary>The arguments as configuration switches, plus one message per argument that is not understood.</summary>
    public static (string[] ConfigurationArgs, List<string> Errors) Parse(string[] args)
    {
        var configurationArgs = new List<string>();
        var errors = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var argument = args[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                errors.Add($"unexpected argument '{argument}': {Usage}");
                continue;
            }

            var separator = argument.IndexOf('=', StringComparison.Ordinal);
            var key = separator < 0 ? argument[2..] : argument[2..separator];
            string? value;
            if (separator >= 0)
            {
                value = argument[(separator + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"missing value for argument '{argument}': {Usage}");
                continue;
            }

            if (!IsKnown(key))
            {
                errors.Add($"unknown argument '{argument}': {Usage}");
                continue;
            }

            configurationArgs.Add($"--{key}={value}");
        }

        return ([.. configurationArgs], errors);
    }

    private static bool IsKnown(string key)
    {
        var segments = key.Split(ConfigurationPath.KeyDelimiter);
        return KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase)
            || (segments.Length is 2 or 3
                && string.Equals(segments[0], EndpointAllocator.PortsSection, StringComparison.OrdinalIgnoreCase)
                && segments.Skip(1).All(s => s.Length > 0));
    }
}
