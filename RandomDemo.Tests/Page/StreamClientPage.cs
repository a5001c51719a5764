using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Page;

/// <summary>
/// test_sse_client.html opened from disk in its own browser context, with every request it makes
/// and every console error it logs recorded, and the numbers it shows readable by data-testid.
/// </summary>
public sealed class StreamClientPage : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    public static string FilePath { get; } = Path.Combine(Repository.Root, "test_sse_client.html");

    private readonly IBrowserContext _context;
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _consoleErrors = new();
    private readonly ConcurrentQueue<string> _allowedConsoleErrors = new();
    private string? _allowedErrorUrl;

    private StreamClientPage(IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        _context = context;
        Page = page;
        _output = output;
    }

    public IPage Page { get; }

    /// <summary>Every URL the page requested, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public static async Task<StreamClientPage> OpenAsync(IBrowser browser, ITestOutputHelper output, int width = 1280, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var clientPage = new StreamClientPage(context, page, output);
        context.Request += (_, request) => clientPage._requests.Enqueue(request.Url);
        page.Console += (_, message) => clientPage.OnConsole(message);
        page.PageError += (_, error) => clientPage._consoleErrors.Enqueue("uncaught: " + error);
        await page.GotoAsync(new Uri(FilePath).AbsoluteUri);
        return clientPage;
    }

    public async Task ConnectAsync(string url)
    {
        await Page.GetByTestId("url").FillAsync(url);
        await Page.GetByTestId("connect").ClickAsync();
    }

    public Task DisconnectAsync() => Page.GetByTestId("disconnect").ClickAsync();

    public async Task<string> TextAsync(string testId) => (await Page.GetByTestId(testId).TextContentAsync())?.Trim() ?? "";

    public async Task<long> NumberAsync(string testId)
    {
        var text = await TextAsync(testId);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{testId} shows \"{text}\", not a number");
    }

    /// <summary>Several numbers read at one instant (the page updates between separate reads).</summary>
    public async Task<long[]> NumbersAsync(params string[] testIds)
    {
        var texts = await Page.EvaluateAsync<string[]>(
            "ids => ids.map(id => document.querySelector(`[data-testid=\"${id}\"]`).textContent.trim())", testIds);
        return [.. texts.Select(text => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture))];
    }

    /// <summary>Waits until the number shown by <paramref name="testId"/> satisfies <paramref name="condition"/> ("–" counts as not yet).</summary>
    public Task WaitForNumberAsync(string testId, Func<long, bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(async () => long.TryParse(await TextAsync(testId), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && condition(n),
            what, timeout);

    public Task<string> StateAsync() => TextAsync("state");

    public Task<string> MessageAsync() => TextAsync("message");

    /// <summary>How many points the chart drew last time (its data-points attribute).</summary>
    public async Task<int> ChartPointsAsync() =>
        int.Parse(await Page.GetByTestId("chart").GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>Texts of the log entries of one kind (data, incomplete, gap, reset, state, warn, error), newest first.</summary>
    public async Task<IReadOnlyList<string>> LogAsync(string kind) =>
        await Page.Locator($"#log li[data-kind={kind}] .text").AllTextContentsAsync();

    /// <summary>Polls <paramref name="condition"/> until it holds; on timeout the failure shows what the page showed.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        try
        {
            await Eventually.UntilAsync(condition, timeout ?? DefaultWait, what);
        }
        catch (TimeoutException notYet)
        {
            throw new TimeoutException($"{notYet.Message}. The page shows: {await SnapshotAsync()}", notYet);
        }
    }

    public Task WaitForStateAsync(string state, TimeSpan? timeout = null) =>
        WaitUntilAsync(async () => await StateAsync() == state, $"state '{state}'", timeout);

    public async Task<string> SnapshotAsync()
    {
        var stats = await Page.EvaluateAsync<string>(
            "() => [...document.querySelectorAll('[data-testid^=stat-], [data-testid^=latest-]')]" +
            ".map(e => e.dataset.testid + '=' + e.textContent.trim()).join(', ')");
        return $"state={await StateAsync()}, message=\"{await MessageAsync()}\", {stats}, chart points={await ChartPointsAsync()}";
    }

    /// <summary>
    /// While the returned scope lives, network errors of requests to <paramref name="streamUrl"/> are expected:
    /// Chromium logs each refused EventSource attempt as a console error. Any other console error still fails.
    /// </summary>
    public IDisposable ExpectStreamNetworkErrors(string streamUrl)
    {
        _allowedErrorUrl = streamUrl;
        return new Scope(() => _allowedErrorUrl = null);
    }

    public void AssertNoConsoleErrors()
    {
        foreach (var allowed in _allowedConsoleErrors)
        {
            _output.WriteLine($"expected console error (stream network error): {allowed}");
        }

        Assert.True(_consoleErrors.IsEmpty, "console errors: " + string.Join(" | ", _consoleErrors));
    }

    /// <summary>Only the file itself and loopback addresses: the page needs nothing from off this machine.</summary>
    public void AssertOnlyLocalRequests()
    {
        Assert.NotEmpty(_requests);
        var offMachine = _requests.Where(url => !IsLocal(new Uri(url))).ToList();
        Assert.True(offMachine.Count == 0, "requests off this machine: " + string.Join(", ", offMachine));
    }

    /// <summary>Saves a full-page screenshot under the test output folder and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts", "page");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    private void OnConsole(IConsoleMessage message)
    {
        if (message.Type != "error")
        {
            return;
        }

        var line = $"{message.Text} (at {message.Location})";
        var allowedUrl = _allowedErrorUrl;
        var isStreamNetworkError = allowedUrl is not null
            && message.Text.Contains("net::ERR_", StringComparison.Ordinal)
            && message.Location.StartsWith(allowedUrl, StringComparison.Ordinal);
        (isStreamNetworkError ? _allowedConsoleErrors : _consoleErrors).Enqueue(line);
    }

    private static bool IsLocal(Uri uri) =>
        uri.Scheme == Uri.UriSchemeFile
        || ((uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && (uri.IsLoopback || uri.Host is "127.0.0.1" or "localhost" or "[::1]"));

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}
