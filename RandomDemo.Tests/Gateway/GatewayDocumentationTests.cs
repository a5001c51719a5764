using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Gateway;

public sealed class GatewayDocumentationTests(GatewayFixture gateway, ITestOutputHelper output) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Health_is_ok()
    {
        using var response = await gateway.Client.GetAsync(HealthEndpoints.Health);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_document_describes_both_endpoints_their_parameters_and_bodies()
    {
        using var response = await gateway.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var number = document.GetProperty("paths").GetProperty("/random/number").GetProperty("get");
        var text = document.GetProperty("paths").GetProperty("/random/string").GetProperty("get");
        Assert.False(string.IsNullOrWhiteSpace(number.GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(text.GetProperty("description").GetString()));
        AssertQueryParameter(number, "min", "integer", "1");
        AssertQueryParameter(number, "max", "integer", "100");
        AssertQueryParameter(text, "length", "integer", "10");
        AssertQueryParameter(text, "digits", "boolean", "true");
        AssertQueryParameter(text, "special", "boolean", "false");
        foreach (var status in new[] { "400", "502", "503", "504" })
        {
            Assert.True(number.GetProperty("responses").TryGetProperty(status, out _), $"/random/number documents no {status}");
        }

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(["number", "min", "max"], PropertyNames(schemas.GetProperty("NumberResult")));
        Assert.Equal(["string", "length", "include_digits", "include_special"], PropertyNames(schemas.GetProperty("StringResult")));
    }

    [Fact]
    public async Task Scalar_reference_answers_in_development_from_local_assets()
    {
        using var page = await gateway.Client.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();

        // The UI script is the package's own copy, served by the gateway: no CDN, works offline;
        // the page names no other site, and "Send request" goes through no third-party proxy.
        Assert.Contains("<script src=\"scalar.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("\"proxyUrl\":\"\"", html, StringComparison.Ordinal);
        using var script = await gateway.Client.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Outside_development_the_document_stays_and_the_reference_ui_is_gone()
    {
        await using var production = await GatewayFixture.StartGatewayAsync(gateway.Generator.BaseAddress, output, ("ASPNETCORE_ENVIRONMENT", "Production"));
        using var client = GatewayFixture.CreateClient(production);

        using var document = await client.GetAsync("/openapi/v1.json");
        using var reference = await client.GetAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, reference.StatusCode);
    }

    private static void AssertQueryParameter(JsonElement operation, string name, string type, string defaultValue)
    {
        var parameter = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        Assert.Equal("query", parameter.GetProperty("in").GetString());
        Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()));
        var schema = parameter.GetProperty("schema");
        Assert.Equal(type, schema.GetProperty("type").GetString());
        Assert.Equal(defaultValue, schema.GetProperty("default").GetRawText());
    }

    private static IEnumerable<string> PropertyNames(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name);
}
