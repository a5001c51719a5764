using System.Net;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Gateway;

/// <summary>A real generator and a real gateway in front of it, shared by the tests of one class.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public StartedProcess Generator { get; private set; } = null!;

    public StartedProcess Gateway { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Generator = await StartedProcess.StartServiceAsync("RandomDemo.Generator");
        Gateway = await StartGatewayAsync(Generator.BaseAddress);
        Client = CreateClient(Gateway);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Generator is not null)
        {
            await Generator.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a gateway that finds the generator at <paramref name="generator"/> through service
    /// discovery, as an orchestrator would tell it, plus any <paramref name="settings"/> (which
    /// may override the call deadline).
    /// </summary>
    public static Task<StartedProcess> StartGatewayAsync(Uri generator, ITestOutputHelper? output = null, params (string Key, string? Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["services__generator__http__0"] = generator.ToString().TrimEnd('/'),
            // Generous, so that a busy test machine does not turn slow answers into 504s.
            ["Gateway__CallDeadline"] = "00:00:30",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return StartedProcess.StartServiceAsync("RandomDemo.Gateway", output, environment);
    }

    /// <summary>GETs <paramref name="path"/>, asserts 200 with application/json, returns the body.</summary>
    public async Task<JsonElement> GetOkJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A client whose timeout turns a hang into a failure (not a timing assertion).</summary>
    public static HttpClient CreateClient(StartedProcess gateway) =>
        new() { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
}
