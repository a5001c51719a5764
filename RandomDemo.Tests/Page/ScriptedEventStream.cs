using System.Collections.Concurrent;
using System.Net;
using System.Text;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Page;

/// <summary>
/// A loopback HTTP server that answers every request with one fixed response: by default an event
/// stream that sends <c>frames</c> and then stays open. It feeds the page what the real streaming
/// service does not produce on demand (events without a value, a sequence jump, hostile text, a 404),
/// so that the page's handling of each can be checked exactly.
/// </summary>
public sealed class ScriptedEventStream : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _body;
    private readonly int _status;
    private readonly string _contentType;
    private readonly ConcurrentQueue<string?> _lastEventIds = new();
    private readonly Task _serving;

    private ScriptedEventStream(string body, int status, string contentType)
    {
        _body = body;
        _status = status;
        _contentType = contentType;
        Port = ServiceProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/stream";

    /// <summary>The Last-Event-ID header of each request so far (null when absent).</summary>
    public IReadOnlyCollection<string?> LastEventIds => _lastEventIds;

    public static ScriptedEventStream Start(string frames) => new(frames, 200, "text/event-stream");

    public static ScriptedEventStream StartFailing(int status, string body, string contentType) => new(body, status, contentType);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop this way.
        }

        _listener.Close();
        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var context = await _listener.GetContextAsync();
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        _lastEventIds.Enqueue(context.Request.Headers["Last-Event-ID"]);
        var response = context.Response;
        try
        {
            response.StatusCode = _status;
            response.ContentType = _contentType;
            response.Headers["Access-Control-Allow-Origin"] = "*";
            response.Headers["Cache-Control"] = "no-cache";
            var bytes = Encoding.UTF8.GetBytes(_body);
            if (_status != 200)
            {
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes, _stopping.Token);
                response.Close();
                return;
            }

            response.SendChunked = true;
            await response.OutputStream.WriteAsync(bytes, _stopping.Token);
            await response.OutputStream.FlushAsync(_stopping.Token);
            // An event stream stays open until the server stops.
            await Task.Delay(Timeout.Infinite, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            // The server is stopping or the browser went away.
            response.Abort();
        }
    }
}
