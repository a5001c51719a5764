using System.Net;
using System.Text.Json;

namespace RandomDemo.Tests.Gateway;

public sealed class GatewayNumberTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Equal_bounds_give_exactly_that_number_in_the_documented_shape()
    {
        using var response = await gateway.Client.GetAsync("/random/number?min=7&max=7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"number":7,"min":7,"max":7}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Numbers_stay_inside_the_range_and_vary()
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 100; i++)
        {
            var number = await gateway.GetOkJsonAsync("/random/number?min=-5&max=5");
            Assert.Equal(-5, number.GetProperty("min").GetInt32());
            Assert.Equal(5, number.GetProperty("max").GetInt32());
            var value = number.GetProperty("number").GetInt32();
            Assert.InRange(value, -5, 5);
            seen.Add(value);
        }

        // 100 uniform draws from 11 values: fewer than 5 distinct ones would mean no real generator.
        Assert.True(seen.Count >= 5, $"only {seen.Count} distinct values: {string.Join(", ", seen)}");
    }

    [Fact]
    public async Task Defaults_are_1_and_100()
    {
        var number = await gateway.GetOkJsonAsync("/random/number");

        Assert.Equal(["number", "min", "max"], number.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, number.GetProperty("min").GetInt32());
        Assert.Equal(100, number.GetProperty("max").GetInt32());
        Assert.InRange(number.GetProperty("number").GetInt32(), 1, 100);
    }

    [Theory]
    [InlineData("/random/number?min=50", 50, 100)]
    [InlineData("/random/number?max=3", 1, 3)]
    [InlineData("/random/number?min=-2147483648&max=2147483647", int.MinValue, int.MaxValue)]
    [InlineData("/random/number?min=%2B5&max=5", 5, 5)]
    [InlineData("/random/number?MIN=-3&Max=-3", -3, -3)]
    public async Task One_bound_or_extreme_bounds_are_honoured(string path, int min, int max)
    {
        var number = await gateway.GetOkJsonAsync(path);

        Assert.Equal(min, number.GetProperty("min").GetInt32());
        Assert.Equal(max, number.GetProperty("max").GetInt32());
        Assert.InRange(number.GetProperty("number").GetInt32(), min, max);
    }
}
