namespace RandomDemo.Contracts;

/// <summary>
/// The bounds of random.proto's requests (docs/api.md, "The generator"): the generator refuses anything
/// outside them with INVALID_ARGUMENT, and the gateway and streaming check them before calling.
/// </summary>
public static class RandomLimits
{
    /// <summary>Smallest <c>StringRequest.length</c>.</summary>
    public const int MinStringLength = 1;

    /// <summary>Largest <c>StringRequest.length</c>.</summary>
    public const int MaxStringLength = 1000;

    /// <summary>Largest <c>StreamRequest.history_size</c> (back-filled points; 0 means none).</summary>
    public const int MaxHistorySize = 1000;
}
