namespace RandomDemo.Contracts;

/// <summary>
/// What a <c>StreamRequest</c> gets for the fields it leaves at 0 (docs/api.md, "The generator"):
/// <c>frequency_ms</c> ≤ 0 means one point a second; NUMERIC with <c>min_value</c> = <c>max_value</c> = 0 means 0..100.
/// </summary>
public static class StreamDefaults
{
    public const int FrequencyMs = 1000;

    public const int NumericMin = 0;

    public const int NumericMax = 100;
}
