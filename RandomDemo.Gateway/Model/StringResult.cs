using System.ComponentModel;
using System.Text.Json.Serialization;

namespace RandomDemo.Gateway.Model;

/// <summary>The body of <c>GET /random/string</c>.</summary>
public sealed record StringResult(
    [property: JsonPropertyName("string"), Description("The random string: letters, plus digits and special characters on request.")] string String,
    [property: JsonPropertyName("length"), Description("The number of characters, as requested.")] int Length,
    [property: JsonPropertyName("include_digits"), Description("Whether digits may appear.")] bool IncludeDigits,
    [property: JsonPropertyName("include_special"), Description("Whether the special characters !@#$%^&*()-_=+[]{}|;:,.<>?/ may appear.")] bool IncludeSpecial);
