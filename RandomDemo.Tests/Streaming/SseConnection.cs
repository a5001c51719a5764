using System.Text;
using System.Text.Json;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// One SSE block as it came off the wire: the lines up to (not including) the blank line that
/// ends it. Comment lines start with ':'.
/// </summary>
public sealed record SseBlock(IReadOnlyList<string> Lines)
{
    public string? Id => Field("id");

    public string? Event => Field("event");

    public string? Data => Field("data");

    public bool IsComment => Lines.All(line => line.StartsWith(':'));

    public bool IsDataEvent => Event == "data";

    public bool IsRetryHint => Lines.All(line => line.StartsWith("retry: ", StringComparison.Ordinal));

    public long EventId => long.Parse(Id ?? throw new InvalidOperationException($"No id line in [{this}]"), System.Globalization.CultureInfo.InvariantCulture);

    public JsonElement Json => JsonDocument.Parse(Data ?? throw new InvalidOperationException($"No data line in [{this}]")).RootElement;

    public string? Field(string name)
    {
        var prefix = name + ": ";
        return Lines.FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    public override string ToString() => string.Join("\\n", Lines);
}

/// <summary>
/// A raw reader of a /stream response: HttpClient with ResponseHeadersRead, the body split into
/// lines on LF by hand (no SSE library), lines grouped into blocks at each blank line.
/// </summary>
public sealed class SseConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http;
    private readonly Stream _body;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private SseConnection(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        Response = response;
        _body = body;
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Every byte read so far, for asserting on the exact wire format.</summary>
    public List<byte> RawBytes { get; } = [];

    /// <summary>GET <paramref name="uri"/>; the response must be 200 (headers only are awaited).</summary>
    public static async Task<SseConnection> OpenAsync(Uri uri, string? lastEventId = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (http, response) = await SendAsync(uri, lastEventId, headers);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            http.Dispose();
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode}: {body}");
        }

        return new SseConnection(http, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>GET with headers only awaited, whatever the status; the caller disposes both.</summary>
    public static async Task<(HttpClient Http, HttpResponseMessage Response)> SendAsync(Uri uri, string? lastEventId = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        // One client (one connection) per stream: disposing it really disconnects.
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(DefaultTimeout);
        return (http, await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token));
    }

    /// <summary>The next block (event, retry hint or comment).</summary>
    public async Task<SseBlock> ReadBlockAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cancellation.Token);
            if (line.Length == 0)
            {
                if (lines.Count > 0)
                {
                    return new SseBlock(lines);
                }

                continue;
            }

            lines.Add(line);
        }
    }

    /// <summary>The next data event, skipping comments and the retry hint; any other event fails the test.</summary>
    public async Task<SseBlock> ReadDataEventAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var block = await ReadBlockAsync(timeout);
            if (block.IsComment || block.IsRetryHint)
            {
                continue;
            }

            Assert.True(block.IsDataEvent, $"expected a data event, got [{block}]");
            return block;
        }
    }

    /// <summary>The next <paramref name="count"/> data events.</summary>
    public async Task<List<SseBlock>> ReadDataEventsAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<SseBlock>(count);
        while (events.Count < count)
        {
            events.Add(await ReadDataEventAsync(timeout));
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _body.DisposeAsync();
        Response.Dispose();
        _http.Dispose();
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                Assert.DoesNotContain('\r', line);
                return line;
            }

            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _body.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The server ended the stream.");
            }

            RawBytes.AddRange(_buffer.AsSpan(_end, read));
            _end += read;
        }
    }
}
