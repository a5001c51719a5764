using System.Net.Http.Json;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>
/// A real generator and a real streaming service reading from it, on free loopback ports, paced
/// for tests (an event every 200 ms, browsers told to retry after 500 ms). The streaming service can
/// be stopped gracefully and started again on the same port, with or without its state file.
/// </summary>
public sealed class StreamingStack : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "randomdemo-page-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ServiceProcess _generator = null!;

    private StreamingStack(ITestOutputHelper output) => _output = output;

    public ServiceProcess Streaming { get; private set; } = null!;

    public string StreamUrl => new Uri(Streaming.BaseAddress, "/stream").AbsoluteUri;

    private string StateFile => Path.Combine(_stateDirectory, "streaming-state.json");

    public static async Task<StreamingStack> StartAsync(ITestOutputHelper output, bool withStateFile = true)
    {
        var stack = new StreamingStack(output);
        try
        {
            stack._generator = await ServiceProcess.StartAsync("RandomDemo.Generator", output);
            stack.Streaming = await stack.StartStreamingAsync(withStateFile, port: null);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM: the service shuts down gracefully (and saves its state when it has a state file).</summary>
    public Task StopStreamingAsync() => Streaming.StopAsync();

    /// <summary>Starts the streaming service again on the port it had.</summary>
    public async Task RestartStreamingAsync(bool withStateFile)
    {
        var port = Streaming.Port;
        await Streaming.DisposeAsync();
        Streaming = await StartStreamingAsync(withStateFile, port);
    }

    public async Task<JsonElement> MetricsAsync() =>
        await _http.GetFromJsonAsync<JsonElement>(new Uri(Streaming.BaseAddress, "/metrics"));

    public async Task<long> ClientsAsync() => (await MetricsAsync()).GetProperty("clients").GetInt64();

    public async ValueTask DisposeAsync()
    {
        if (Streaming is not null)
        {
            await Streaming.DisposeAsync();
        }

        if (_generator is not null)
        {
            await _generator.DisposeAsync();
        }

        _http.Dispose();
        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }

    private Task<ServiceProcess> StartStreamingAsync(bool withStateFile, int? port)
    {
        Directory.CreateDirectory(_stateDirectory);
        var environment = new Dictionary<string, string?>
        {
            ["services__generator__http__0"] = _generator.BaseAddress.AbsoluteUri.TrimEnd('/'),
            ["Upstream__FrequencyMs"] = "200",
            ["Streaming__RetryMilliseconds"] = "500",
        };
        if (withStateFile)
        {
            environment["Streaming__StateFile"] = StateFile;
        }

        return ServiceProcess.StartAsync("RandomDemo.Streaming", _output, environment, port);
    }
}
