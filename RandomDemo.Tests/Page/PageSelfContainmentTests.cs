using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>
/// The page is self-contained in the browser, not just in its text: opened from disk it requests
/// nothing but itself, and its Content-Security-Policy makes Chromium refuse any script, style, image
/// or frame from elsewhere, even one added to the page later. (That server text never becomes markup
/// is PageEventHandlingTests' hostile-text case.)
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PageSelfContainmentTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Fact]
    public async Task Opened_from_disk_the_page_requests_nothing_but_itself()
    {
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);
        await page.Page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);

        Assert.Equal([new Uri(StreamClientPage.FilePath).AbsoluteUri], page.Requests);
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_browser_refuses_scripts_styles_images_and_frames_from_elsewhere()
    {
        // A real server the refused loads would reach. Chromium may preconnect to it; a request is what counts.
        using var elsewhere = new TcpListener(IPAddress.Loopback, 0);
        elsewhere.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)elsewhere.LocalEndpoint).Port}";
        var requests = new ConcurrentQueue<string>();
        using var stopListening = new CancellationTokenSource();
        var listening = AcceptRequestsAsync(elsewhere, requests, stopListening.Token);
        await using var page = await StreamClientPage.OpenAsync(chromium.Browser, output);

        await page.Page.EvaluateAsync("""
            url => {
              window.refused = [];
              document.addEventListener('securitypolicyviolation', e => window.refused.push(e.effectiveDirective));
              const add = (tag, attributes) => document.body.appendChild(Object.assign(document.createElement(tag), attributes));
              add('script', { src: url + '/script.js' });
              add('link', { rel: 'stylesheet', href: url + '/style.css' });
              add('img', { src: url + '/image.png' });
              add('iframe', { src: url + '/frame.html' });
            }
            """, url);
        var refused = await Eventually.UntilAsync(
            () => page.Page.EvaluateAsync<string[]>("() => window.refused"), directives => directives.Length >= 4, StreamClientPage.DefaultWait, "four refusals");

        // The one kind of request the policy allows (the stream's connect-src), sent last: once it
        // has arrived, so would have anything sent before it.
        await page.Page.EvaluateAsync("url => fetch(url + '/allowed').catch(() => {})", url);
        await Eventually.UntilAsync(() => requests.Count, count => count >= 1, StreamClientPage.DefaultWait, "the allowed request to arrive");

        Assert.Equal(["frame-src", "img-src", "script-src-elem", "style-src-elem"], refused.Order());
        Assert.Equal(["GET /allowed HTTP/1.1"], requests);
        await stopListening.CancelAsync();
        await listening;
    }

    /// <summary>Records the request line of every connection that sends one (and answers nothing).</summary>
    private static async Task AcceptRequestsAsync(TcpListener listener, ConcurrentQueue<string> requests, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        using var reader = new StreamReader(client.GetStream());
                        if (await reader.ReadLineAsync(stop) is { Length: > 0 } requestLine)
                        {
                            requests.Enqueue(requestLine);
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await Task.WhenAll(connections.Select(c => c.ContinueWith(static _ => { }, TaskScheduler.Default)));
    }
}
