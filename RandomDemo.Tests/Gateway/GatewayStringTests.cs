using System.Net;
using System.Text.Json;
using static RandomDemo.Tests.Infrastructure.StringAlphabet;

namespace RandomDemo.Tests.Gateway;

public sealed class GatewayStringTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Defaults_are_10_characters_with_digits_without_special()
    {
        var result = await gateway.GetOkJsonAsync("/random/string");

        Assert.Equal(["string", "length", "include_digits", "include_special"], result.EnumerateObject().Select(p => p.Name));
        Assert.Equal(10, result.GetProperty("length").GetInt32());
        Assert.True(result.GetProperty("include_digits").GetBoolean());
        Assert.False(result.GetProperty("include_special").GetBoolean());
        var value = result.GetProperty("string").GetString()!;
        Assert.Equal(10, value.Length);
        Assert.All(value, c => Assert.Contains(c, Of(digits: true, special: false)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Every_character_comes_from_the_requested_sets(bool digits, bool special)
    {
        // 500 characters: a requested set that never shows up has probability below 1e-25.
        var result = await gateway.GetOkJsonAsync($"/random/string?length=500&digits={digits}&special={special}");

        Assert.Equal(500, result.GetProperty("length").GetInt32());
        Assert.Equal(digits, result.GetProperty("include_digits").GetBoolean());
        Assert.Equal(special, result.GetProperty("include_special").GetBoolean());
        var value = result.GetProperty("string").GetString()!;
        Assert.Equal(500, value.Length);
        var allowed = Of(digits, special);
        Assert.All(value, c => Assert.Contains(c, allowed));
        Assert.Contains(value, Letters.Contains);
        Assert.Equal(digits, value.Any(Digits.Contains));
        Assert.Equal(special, value.Any(Special.Contains));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task Length_limits_are_inclusive(int length)
    {
        var result = await gateway.GetOkJsonAsync($"/random/string?length={length}");

        Assert.Equal(length, result.GetProperty("string").GetString()!.Length);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    public async Task Booleans_accept_true_false_1_0_in_any_case(string text, bool expected)
    {
        var result = await gateway.GetOkJsonAsync($"/random/string?length=300&digits={text}&special={text}");

        Assert.Equal(expected, result.GetProperty("include_digits").GetBoolean());
        Assert.Equal(expected, result.GetProperty("include_special").GetBoolean());
        Assert.Equal(expected, result.GetProperty("string").GetString()!.Any(c => !Letters.Contains(c)));
    }
}
