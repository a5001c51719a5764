using System.ComponentModel;
using System.Text.Json.Serialization;

namespace RandomDemo.Gateway.Model;

/// <summary>The body of <c>GET /random/number</c>.</summary>
public sealed record NumberResult(
    [property: JsonPropertyName("number"), Description("The random integer, min <= number <= max.")] int Number,
    [property: JsonPropertyName("min"), Description("The smallest possible value, as requested.")] int Min,
    [property: JsonPropertyName("max"), Description("The largest possible value, as requested.")] int Max);
