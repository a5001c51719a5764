using System.Net;
using RandomDemo.Tests.AppHost;
using RandomDemo.Tests.Page;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Dashboard;

/// <summary>The dashboard of the real AppHost: its login and the Resources page.</summary>
public sealed class DashboardResourcesTests(AppHostFixture app, ChromiumFixture chromium, ITestOutputHelper output)
    : AppHostCollectionTest(app, chromium, output)
{
    /// <summary>Where the README's screenshot is written as well, when set (e.g. to docs/dashboard-resources.png).</summary>
    public const string ScreenshotPathVariable = "RANDOMDEMO_DASHBOARD_SCREENSHOT";

    [Fact]
    public async Task Login_with_the_token_shows_every_service_running_and_healthy()
    {
        await using var page = await DashboardPage.LogInAsync(Chromium.Browser, Fixture.LoginUrl, Output);

        // "Running" alone: a running resource whose health checks fail reads "Running (Unhealthy)".
        await page.WaitUntilAsync(
            async () =>
            {
                var states = await page.ResourceStatesAsync();
                return AppHostFixture.Services.All(service => states.GetValueOrDefault(service) == "Running");
            },
            $"{string.Join(", ", AppHostFixture.Services)} shown as Running");
        await page.ScreenshotAsync("resources", Environment.GetEnvironmentVariable(ScreenshotPathVariable) is { Length: > 0 } path ? path : null);

        foreach (var service in AppHostFixture.Services)
        {
            await page.OpenResourceDetailsAsync(service);
            ResourceDetails details = null!;
            // Other tests of the collection crash and restart services: the details are waited for until running and healthy.
            await page.WaitUntilAsync(
                async () => (details = await page.ResourceDetailsAsync()).Title == $"Project: {service}"
                    && details.Properties.GetValueOrDefault("State") == "Running" && details.Properties.GetValueOrDefault("Health state") == "Healthy",
                $"the details of {service}, running and healthy");
            Assert.Equal("Running", details.Properties["State"]);
            Assert.Equal("Healthy", details.Properties["Health state"]);
        }
    }

    [Fact]
    public async Task Without_the_token_the_dashboard_asks_for_a_login_and_the_api_for_its_key()
    {
        var context = await Chromium.Browser.NewContextAsync();
        try
        {
            var page = await context.NewPageAsync();
            // The dashboard answers with a redirect to its login page, which asks for the token.
            await page.GotoAsync(Fixture.DashboardUrl.AbsoluteUri, new() { Timeout = (float)DashboardPage.DefaultWait.TotalMilliseconds });
            Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        }
        finally
        {
            await context.CloseAsync();
        }

        using var anonymous = new HttpClient { BaseAddress = Fixture.DashboardUrl, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await anonymous.GetAsync("/api/telemetry/resources");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
