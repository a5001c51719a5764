using System.Net;

namespace RandomDemo.Tests.Gateway;

public sealed class GatewayBadInputTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("/random/number?min=abc", "min")]
    [InlineData("/random/number?max=abc", "max")]
    [InlineData("/random/number?min=1.5", "min")]
    [InlineData("/random/number?max=1e3", "max")]
    [InlineData("/random/number?min=99999999999", "min")]
    [InlineData("/random/number?min=2147483648", "min")]
    [InlineData("/random/number?max=-2147483649", "max")]
    [InlineData("/random/number?min=", "min")]
    [InlineData("/random/number?min=%201", "min")]
    [InlineData("/random/number?min=0x10", "min")]
    [InlineData("/random/number?min=1&min=2", "min")]
    [InlineData("/random/number?max=5&MAX=5", "max")]
    [InlineData("/random/number?min=10&max=5", "min")]
    [InlineData("/random/number?min=101", "min")]
    [InlineData("/random/string?length=0", "length")]
    [InlineData("/random/string?length=-1", "length")]
    [InlineData("/random/string?length=1001", "length")]
    [InlineData("/random/string?length=ten", "length")]
    [InlineData("/random/string?length=", "length")]
    [InlineData("/random/string?length=5&length=5", "length")]
    [InlineData("/random/string?digits=yes", "digits")]
    [InlineData("/random/string?digits=", "digits")]
    [InlineData("/random/string?digits=2", "digits")]
    [InlineData("/random/string?digits=true&digits=false", "digits")]
    [InlineData("/random/string?special=truee", "special")]
    [InlineData("/random/string?special=on", "special")]
    [InlineData("/random/string?special=-1", "special")]
    public async Task Bad_query_value_is_a_400_problem_naming_the_parameter(string path, string parameter)
    {
        using var response = await gateway.Client.GetAsync(path);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_leaves_the_gateway_serving()
    {
        using (var bad = await gateway.Client.GetAsync("/random/number?min=x&max=y"))
        {
            var problem = await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest);
            Assert.Equal("min", problem.GetProperty("parameter").GetString());
        }

        using var good = await gateway.Client.GetAsync("/random/number?min=3&max=3");
        Assert.Equal("""{"number":3,"min":3,"max":3}""", await good.Content.ReadAsStringAsync());
    }
}
