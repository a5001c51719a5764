namespace RandomDemo.Tests.Infrastructure;

/// <summary>The characters a random string may hold: letters always, digits and special characters on request.</summary>
public static class StringAlphabet
{
    public const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public const string Digits = "0123456789";
    public const string Special = "!@#$%^&*()-_=+[]{}|;:,.<>?/";

    /// <summary>The characters a string asked for with these options may hold.</summary>
    public static string Of(bool digits, bool special) => Letters + (digits ? Digits : "") + (special ? Special : "");
}
