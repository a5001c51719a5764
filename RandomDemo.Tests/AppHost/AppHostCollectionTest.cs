using RandomDemo.Tests.Page;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// A test class of the AppHost collection: the shared app and browser, and the app's logs routed to
/// this test's output while it runs.
/// </summary>
[Collection(AppHostCollection.Name)]
public abstract class AppHostCollectionTest : IDisposable
{
    private readonly IDisposable _logs;

    protected AppHostCollectionTest(AppHostFixture app, ChromiumFixture chromium, ITestOutputHelper output)
    {
        Fixture = app;
        Chromium = chromium;
        Output = output;
        _logs = app.Logs.RouteTo(output);
    }

    protected AppHostFixture Fixture { get; }

    protected ChromiumFixture Chromium { get; }

    protected ITestOutputHelper Output { get; }

    public void Dispose()
    {
        _logs.Dispose();
        GC.SuppressFinalize(this);
    }
}
