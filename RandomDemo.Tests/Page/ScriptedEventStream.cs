using System.Collections.Concurrent;
using System.Net;
using System.Text;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Page;

/// <summary>
/// A loopback HTTP server with a script: the n-th request gets the n-th response. An event stream
/// response that is not the last one ends after its frames (a dropped connection); the last one stays
/// open and answers any later request too. It feeds the page what the real streaming service does not
/// produce on demand (events without a value, a sequence jump, hostile text, a 404), so that the
/// page's handling of each can be checked exactly.
/// </summary>
public sealed class ScriptedEventStream : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string[] _bodies;
    private int _requests;
    private readonly int _status;
    private readonly string _contentType;
    private readonly ConcurrentQueue<string?> _lastEventIds = new();
    private readonly Task _serving;

    private ScriptedEventStream(string[] bodies, int status, string contentType)
    {
        _bodies = bodies;
        _status = status;
        _contentType = contentType;
        Port = LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/stream";

    /// <summary>The Last-Event-ID header of each request so far (null when absent).</summary>
    public IReadOnlyCollection<string?> LastEventIds => _lastEventIds;

    /// <summary>An event stream: request n gets <paramref name="responses"/>[n] (the last one from then on).</summary>
    public static ScriptedEventStream Start(params string[] responses) => new(responses, 200, "text/event-stream");

    public static ScriptedEventStream StartFailing(int status, string body, string contentType) => new([body], status, contentType);

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
        var index = Math.Min(Interlocked.Increment(ref _requests) - 1, _bodies.Length - 1);
        var isLast = index == _bodies.Length - 1;
        var response = context.Response;
        try
        {
            response.StatusCode = _status;
            response.ContentType = _contentType;
            response.Headers["Access-Control-Allow-Origin"] = "*";
            response.Headers["Cache-Control"] = "no-cache";
            var bytes = Encoding.UTF8.GetBytes(_bodies[index]);
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
            if (!isLast)
            {
                response.Close();
                return;
            }

            await Task.Delay(Timeout.Infinite, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            // The server is stopping or the browser went away.
            response.Abort();
        }
    }
}
