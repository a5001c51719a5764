using Grpc.Core;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Generator;

public sealed class GeneratorStringTests(GeneratorFixture generator) : IClassFixture<GeneratorFixture>
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task String_uses_exactly_the_requested_alphabet(bool digits, bool special)
    {
        var alphabet = StringAlphabet.Of(digits, special);
        var seen = new HashSet<char>();
        for (var i = 0; i < 20; i++)
        {
            var value = (await Call(new StringRequest { Length = 1000, IncludeDigits = digits, IncludeSpecial = special })).Value;
            Assert.Equal(1000, value.Length);
            Assert.All(value, c => Assert.Contains(c, alphabet));
            seen.UnionWith(value);
        }

        // 20,000 draws over at most 89 characters: every character shows up.
        Assert.Equal(alphabet.Order(), seen.Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    public async Task String_has_the_requested_length(int length)
    {
        Assert.Equal(length, (await Call(new StringRequest { Length = length, IncludeDigits = true })).Value.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public async Task Length_outside_1_to_1000_is_invalid_argument_naming_length(int length)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Call(new StringRequest { Length = length }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("length", error.Status.Detail, StringComparison.Ordinal);
    }

    private Task<StringResponse> Call(StringRequest request) =>
        generator.Client.GetRandomStringAsync(request, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync;
}
