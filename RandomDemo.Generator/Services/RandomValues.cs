namespace RandomDemo.Generator.Services;

/// <summary>Uniform random values; <see cref="Random.Shared"/> is thread-safe and draws without modulo bias.</summary>
internal static class RandomValues
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";
    private const string Special = "!@#$%^&*()-_=+[]{}|;:,.<>?/";

    // The four alphabets, built once: [digits, special] as bits.
    private static readonly string[] Alphabets =
    [
        Letters,
        Letters + Digits,
        Letters + Special,
        Letters + Digits + Special,
    ];

    /// <summary>A value in [min, max], both inclusive; computed in 64 bits so int.MinValue..int.MaxValue cannot overflow.</summary>
    public static int Number(int min, int max) => (int)Random.Shared.NextInt64(min, (long)max + 1);

    public static string String(int length, bool includeDigits, bool includeSpecial)
    {
        var alphabet = Alphabets[(includeDigits ? 1 : 0) | (includeSpecial ? 2 : 0)];
        return string.Create(length, alphabet, static (span, chars) => Random.Shared.GetItems(chars.AsSpan(), span));
    }

    public static float Percentage() => (float)(Random.Shared.NextDouble() * 100.0);

    public static bool Boolean() => Random.Shared.Next(2) == 1;
}
