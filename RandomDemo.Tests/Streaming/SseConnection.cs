using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace RandomDemo.Tests.Streaming;

/// <summary>One event of a stream as SseParser reports it, and when it arrived.</summary>
public sealed record SseEvent(SseItem<string> Item, DateTimeOffset ReceivedAt)
{
    /// <summary>The event field: <c>data</c>, <c>gap</c> or <c>reset</c>.</summary>
    public string Type => Item.EventType;

    public string Data => Item.Data;

    /// <summary>The id field; null for an event without one (the gap and reset notices).</summary>
    public string? Id => Item.EventId;

    /// <summary>The retry field that came after the previous event and before this one, if any.</summary>
    public TimeSpan? Retry => Item.ReconnectionInterval;

    public bool IsData => Type == "data";

    public long EventId => long.Parse(Id ?? throw new InvalidOperationException($"No id in [{this}]"), CultureInfo.InvariantCulture);

    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The event's fields as they were sent, lines separated by a literal <c>\n</c>.</summary>
    public override string ToString() =>
        string.Join("\\n", new[]
        {
            Retry is { } retry ? $"retry: {retry.TotalMilliseconds}" : null,
            Id is null ? null : $"id: {Id}",
            $"event: {Type}",
            $"data: {Data}",
        }.OfType<string>());
}

/// <summary>
/// A /stream response, its events parsed by System.Net.ServerSentEvents' <see cref="SseParser"/>:
/// HttpClient with ResponseHeadersRead, one client (one connection) per stream, and every byte of the
/// body kept in <see cref="Wire"/> for the tests of the wire format.
/// </summary>
public sealed class SseConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The reconnection time the streaming service sends first on every stream (<c>retry: 3000</c>).</summary>
    public static readonly TimeSpan ServiceRetry = TimeSpan.FromMilliseconds(3000);

    private readonly HttpClient _http;
    private readonly CancellationTokenSource _readDeadline = new();
    private readonly IAsyncEnumerator<SseItem<string>> _events;
    private Task<bool>? _lastRead;

    private SseConnection(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        Response = response;
        Wire = new WireTap(body);
        _events = SseParser.Create(Wire).EnumerateAsync(_readDeadline.Token).GetAsyncEnumerator();
    }

    public HttpResponseMessage Response { get; }

    /// <summary>The body as it came off the wire, for tests of the exact format and of comments.</summary>
    public WireTap Wire { get; }

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

    /// <summary>The next event (data, gap or reset). Retry fields and comments are no events: see <see cref="SseEvent.Retry"/> and <see cref="Wire"/>.</summary>
    public async Task<SseEvent> ReadEventAsync(TimeSpan? timeout = null)
    {
        _readDeadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            _lastRead = _events.MoveNextAsync().AsTask();
            if (!await _lastRead)
            {
                throw new EndOfStreamException("The server ended the stream.");
            }
        }
        finally
        {
            _readDeadline.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        return new SseEvent(_events.Current, DateTimeOffset.UtcNow);
    }

    /// <summary>The next event, which must be a data event.</summary>
    public async Task<SseEvent> ReadDataEventAsync(TimeSpan? timeout = null)
    {
        var next = await ReadEventAsync(timeout);
        Assert.True(next.IsData, $"expected a data event, got [{next}]");
        return next;
    }

    /// <summary>The next <paramref name="count"/> events, each a data event.</summary>
    public async Task<List<SseEvent>> ReadDataEventsAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<SseEvent>(count);
        while (events.Count < count)
        {
            events.Add(await ReadDataEventAsync(timeout));
        }

        return events;
    }

    /// <summary>
    /// Reads the body without the parser until <paramref name="done"/> holds for all of it so far, and returns
    /// it: for what SseParser does not report (comments). Not for a stream whose events were read.
    /// </summary>
    public async Task<string> ReadWireUntilAsync(Func<string, bool> done, TimeSpan? timeout = null)
    {
        if (_lastRead is not null)
        {
            throw new InvalidOperationException("The parser has read from this stream: what it has buffered is not read again.");
        }

        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[4096];
        while (!done(Wire.Text()))
        {
            if (await Wire.ReadAsync(buffer, deadline.Token) == 0)
            {
                throw new EndOfStreamException($"The server ended the stream: [{Wire.Text()}]");
            }
        }

        return Wire.Text();
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the connection ends a read in progress (RecordingSseClient reads in the background);
        // the parser is disposed once that read has failed, not during it.
        await Wire.DisposeAsync();
        Response.Dispose();
        _http.Dispose();
        if (_lastRead is null || await Task.WhenAny(_lastRead, Task.Delay(DefaultTimeout)) == _lastRead)
        {
            await _events.DisposeAsync();
        }

        _readDeadline.Dispose();
    }
}
