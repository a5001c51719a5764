using System.Net.Http.Json;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// A real generator process and a real streaming process pointed at it through service
/// discovery, as the AppHost wires them. Disposal stops both.
/// </summary>
public sealed class StreamingStack : IAsyncDisposable
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper? _output;
    private readonly Dictionary<string, string?> _streamingEnvironment;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private StreamingStack(ITestOutputHelper? output, StartedProcess generator, Dictionary<string, string?> streamingEnvironment)
    {
        _output = output;
        Generator = generator;
        _streamingEnvironment = streamingEnvironment;
    }

    public StartedProcess Generator { get; private set; }

    public StartedProcess Streaming { get; private set; } = null!;

    public Uri StreamUri => new(Streaming.BaseAddress, "/stream");

    /// <summary>
    /// Starts a generator and a streaming service whose upstream asks for a point every
    /// <paramref name="frequencyMs"/> ms; <paramref name="streaming"/> adds (or overrides) its environment.
    /// </summary>
    public static async Task<StreamingStack> StartAsync(ITestOutputHelper? output, int frequencyMs = 50, IReadOnlyDictionary<string, string?>? streaming = null, int? streamingPort = null)
    {
        var generator = await StartedProcess.StartServiceAsync("RandomDemo.Generator", output);
        var environment = new Dictionary<string, string?>
        {
            ["services__generator__http__0"] = generator.BaseAddress.ToString().TrimEnd('/'),
            ["Upstream__FrequencyMs"] = frequencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Upstream__InitialBackoff"] = "00:00:00.100",
            ["Upstream__MaxBackoff"] = "00:00:01",
            ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Warning",
        };
        foreach (var (key, value) in streaming ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var stack = new StreamingStack(output, generator, environment);
        try
        {
            stack.Streaming = await stack.StartReplicaAsync(streamingPort);
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }

        return stack;
    }

    /// <summary>Starts the streaming process again on its port, after a stop or a kill, with the same settings.</summary>
    public async Task RestartStreamingAsync()
    {
        var port = Streaming.Port;
        await Streaming.DisposeAsync();
        Streaming = await StartReplicaAsync(port);
    }

    /// <summary>
    /// Starts one more streaming process with the stack's environment, fed by the same generator (a replica;
    /// on <paramref name="port"/> if given). The caller owns it: the stack stops only <see cref="Streaming"/>.
    /// </summary>
    public Task<StartedProcess> StartReplicaAsync(int? port = null) =>
        StartedProcess.StartServiceAsync("RandomDemo.Streaming", _output, _streamingEnvironment, port);

    /// <summary>Kills the generator, as in a crash.</summary>
    public void KillGenerator() => Generator.Kill();

    /// <summary>Starts a new generator on the same port.</summary>
    public async Task RestartGeneratorAsync()
    {
        var port = Generator.Port;
        await Generator.DisposeAsync();
        Generator = await StartedProcess.StartServiceAsync("RandomDemo.Generator", _output, port: port);
    }

    public Task<SseConnection> ConnectAsync(string? lastEventId = null) => SseConnection.OpenAsync(StreamUri, lastEventId);

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await _http.GetFromJsonAsync<JsonElement>(new Uri(Streaming.BaseAddress, path));

    public Task<JsonElement> GetMetricsAsync() => GetJsonAsync("/metrics");

    /// <summary>Polls /metrics until <paramref name="condition"/> holds; fails with the last value after <see cref="WaitTimeout"/>.</summary>
    public Task<JsonElement> WaitForMetricsAsync(Func<JsonElement, bool> condition, string what) => WaitForJsonAsync("/metrics", condition, what);

    public Task<JsonElement> WaitForJsonAsync(string path, Func<JsonElement, bool> condition, string what) =>
        Eventually.UntilAsync(() => GetJsonAsync(path), condition, WaitTimeout, $"{path} showing {what}");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (Streaming is not null)
        {
            await Streaming.DisposeAsync();
        }

        await Generator.DisposeAsync();
    }
}

public static class JsonElementExtensions
{
    public static long Long(this JsonElement json, string name) => json.GetProperty(name).GetInt64();

    public static string? String(this JsonElement json, string name) => json.GetProperty(name).GetString();
}
