using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

namespace RandomDemo.Gateway.Apis;

/// <summary>
/// Reads query values by hand, so that every bad value becomes a 400 problem naming its
/// parameter and saying what is wrong (model binding answers a bare 400 naming neither).
/// A value is null when the parameter is absent (then the default applies).
/// </summary>
internal static class QueryParameters
{
    public const string ParameterExtension = "parameter";

    public static bool TryGetInt32(StringValues? values, string name, int defaultValue, out int value, [NotNullWhen(false)] out ProblemHttpResult? problem) =>
        TryGet(values, name, defaultValue, ParseInt32, static name => $"{name} must be a whole number from {int.MinValue} to {int.MaxValue}.", out value, out problem);

    public static bool TryGetBoolean(StringValues? values, string name, bool defaultValue, out bool value, [NotNullWhen(false)] out ProblemHttpResult? problem) =>
        TryGet(values, name, defaultValue, ParseBoolean, static name => $"{name} must be true, false, 1 or 0.", out value, out problem);

    /// <summary>A 400 problem about one query parameter, named in the <c>parameter</c> extension.</summary>
    public static ProblemHttpResult Invalid(string name, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: $"Invalid query parameter '{name}'", extensions: new Dictionary<string, object?>
        {
            [ParameterExtension] = name,
        });

    /// <summary>The one value given (null when absent); a parameter given twice is ambiguous, so it is an error.</summary>
    private static bool TryGetSingle(StringValues? values, string name, out string? text, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        text = null;
        problem = null;
        var count = values?.Count ?? 0;
        switch (count)
        {
            case 0:
                return true;
            case 1:
                text = values!.Value[0] ?? string.Empty;
                return true;
            default:
                problem = Invalid(name, $"{name} is given {count} times; give it once.");
                return false;
        }
    }

    private delegate bool Parser<T>(string text, out T value);

    /// <summary>The parameter's value, its default when absent, or the problem <paramref name="describeInvalid"/> words.</summary>
    private static bool TryGet<T>(StringValues? values, string name, T defaultValue, Parser<T> parse, Func<string, string> describeInvalid, out T value, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        value = defaultValue;
        if (!TryGetSingle(values, name, out var text, out problem))
        {
            return false;
        }

        if (text is null || parse(text, out value))
        {
            return true;
        }

        problem = Invalid(name, describeInvalid(name));
        return false;
    }

    private static bool ParseInt32(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool ParseBoolean(string text, out bool value)
    {
        value = text == "1" || text.Equals(bool.TrueString, StringComparison.OrdinalIgnoreCase);
        return value || text == "0" || text.Equals(bool.FalseString, StringComparison.OrdinalIgnoreCase);
    }
}
