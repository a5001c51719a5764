using Microsoft.Playwright;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Dashboard;

/// <summary>
/// The dashboard in its own browser context (so its login cookie is this test's alone), logged in
/// through the dashboard's <c>/login?t=TOKEN</c> link. The dashboard is a Blazor app: a page shows
/// nothing until its circuit has rendered it, so every read waits for the text it expects.
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    /// <summary>Between reads of the dashboard (a Blazor page, its telemetry API): each costs it a render or a query.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Screenshots go under the test output folder, as the page tests' go to artifacts/page.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard");

    private readonly IBrowserContext _context;
    private readonly Uri _dashboardUrl;
    private readonly ITestOutputHelper _output;

    private DashboardPage(IBrowserContext context, IPage page, Uri dashboardUrl, ITestOutputHelper output)
    {
        _context = context;
        Page = page;
        _dashboardUrl = dashboardUrl;
        _output = output;
    }

    public IPage Page { get; }

    /// <summary>Opens <paramref name="loginUrl"/> in a new context of <paramref name="width"/>x<paramref name="height"/> and waits until the login is done.</summary>
    public static async Task<DashboardPage> LogInAsync(IBrowser browser, Uri loginUrl, ITestOutputHelper output, int width = 1400, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
        });
        context.SetDefaultTimeout((float)DefaultWait.TotalMilliseconds);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"dashboard page error: {error}");
        var dashboard = new DashboardPage(context, page, new Uri(loginUrl.GetLeftPart(UriPartial.Authority)), output);
        await page.GotoAsync(loginUrl.AbsoluteUri);
        // The token is exchanged for a cookie and the browser sent on to the Resources page.
        await dashboard.WaitForPathAsync("/");
        return dashboard;
    }

    /// <summary>Goes to a dashboard path such as <c>/traces</c>.</summary>
    public async Task GotoAsync(string pathAndQuery) => await Page.GotoAsync(new Uri(_dashboardUrl, pathAndQuery).AbsoluteUri);

    /// <summary>
    /// Waits until the page is at <paramref name="path"/>. Polled rather than awaited as a navigation:
    /// Blazor moves between its pages in the document (history.pushState), without a load event.
    /// </summary>
    public Task WaitForPathAsync(string path) =>
        WaitUntilAsync(() => Task.FromResult(new Uri(Page.Url).AbsolutePath == path), $"the page at {path}");

    /// <summary>The text the page shows now (its body's innerText).</summary>
    public Task<string> TextAsync() => Page.Locator("body").InnerTextAsync();

    /// <summary>The Resources grid as it stands: resource name to the text of its State cell ("Running", "Running (Unhealthy)", ...).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ResourceStatesAsync() =>
        await Page.EvaluateAsync<Dictionary<string, string>>("""
            () => Object.fromEntries([...document.querySelectorAll('tr.resource-row')]
                .map(row => [row.querySelector('.resource-name-text')?.innerText.trim(), row.querySelector('.state-column-cell')?.innerText.trim()])
                .filter(([name, state]) => name && state))
            """);

    /// <summary>Opens a resource's details beside the Resources grid (a click on its name).</summary>
    public Task OpenResourceDetailsAsync(string resource) =>
        Page.Locator("tr.resource-row .resource-name-text").GetByText(resource, new() { Exact = true }).ClickAsync();

    /// <summary>The details pane as it stands: its title ("Project: gateway") and its property rows, name to value.</summary>
    public async Task<ResourceDetails> ResourceDetailsAsync() =>
        await Page.EvaluateAsync<ResourceDetails>("""
            () => ({
                Title: document.querySelector('.details-container .details-header-title')?.innerText.trim() ?? '',
                Properties: Object.fromEntries([...document.querySelectorAll('.details-container tr[role=row]')]
                    .map(row => [...row.querySelectorAll('td[role=gridcell]')].map(cell => cell.innerText.trim()))
                    .filter(cells => cells.length >= 2 && cells[0])
                    .map(cells => [cells[0], cells[1]])),
            })
            """);

    /// <summary>The spans a trace's detail page lists, each as "resource: span name" (the tooltip of its name cell).</summary>
    public async Task<IReadOnlyList<string>> TraceDetailSpansAsync() =>
        await Page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('tr[role=row] td[role=gridcell][col-index=\"1\"][title]')].map(cell => cell.title)");

    /// <summary>The instruments the Metrics page's tree lists under <paramref name="meter"/> (none while the meter is not there).</summary>
    public async Task<IReadOnlyList<string>> MeterInstrumentsAsync(string meter) =>
        await Page.EvaluateAsync<string[]>("""
            meter => [...document.querySelectorAll('#metric-selector > fluent-tree-item')]
                .filter(item => item.title === meter)
                .flatMap(item => [...item.querySelectorAll(':scope > fluent-tree-item')].map(instrument => instrument.title))
            """, meter);

    /// <summary>Reads <paramref name="read"/> until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and returns the last reading.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.UntilAsync(read, done, timeout ?? DefaultWait, "a reading of the page", pollInterval: PollInterval);
        }
        catch (TimeoutException)
        {
            // The caller's assertions on the last reading say what is missing.
            return await read();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; on timeout the failure says what the page showed.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        try
        {
            await Eventually.UntilAsync(condition, done => done, timeout ?? DefaultWait, what, pollInterval: PollInterval);
        }
        catch (TimeoutException notYet)
        {
            var shot = await ScreenshotAsync("timeout-" + new string([.. what.Where(char.IsLetterOrDigit).Take(40)]));
            throw new TimeoutException($"{notYet.Message}. Screenshot: {shot}. The page at {Page.Url} shows:{Environment.NewLine}{await TextAsync()}", notYet);
        }
    }

    /// <summary>Saves a full-page screenshot under <see cref="ArtifactsDirectory"/> (or at <paramref name="path"/>) and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, string? path = null)
    {
        path ??= Path.Combine(ArtifactsDirectory, name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}

/// <summary>What the Resources page's details pane shows for one resource (filled by Playwright from the page).</summary>
public sealed class ResourceDetails
{
    public string Title { get; set; } = "";

    public Dictionary<string, string> Properties { get; set; } = [];
}
