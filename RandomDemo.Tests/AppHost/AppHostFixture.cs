using System.Diagnostics;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RandomDemo.Contracts;
using RandomDemo.Tests.Page;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// The real AppHost with its dashboard, started once for the AppHost and dashboard tests through
/// Aspire's <c>DistributedApplicationTestingBuilder</c>: a start and a shutdown cost many seconds,
/// too many to pay per test class. Aspire.Hosting.Testing runs the dashboard itself
/// (<see cref="DistributedApplicationTestingBuilderOptions.EnableDashboard"/>): every listener
/// (UI, OTLP, resource service) is on a port DCP picks at run time, and the AppHost makes a fresh
/// browser token, which <see cref="LoginUrl"/> carries as the dashboard's own <c>/login?t=</c> link.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The services of the app, as the Resources page lists them.</summary>
    public static readonly string[] Services = [ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming];

    /// <summary>
    /// ASP.NET Core's "Request starting/finished" lines, which the gateway's appsettings hold back
    /// (Microsoft.AspNetCore: Warning): turned on here so that every request writes a log record
    /// inside its trace, as the structured-logs test needs.
    /// </summary>
    private const string RequestLogLevelVariable = "Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics";

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("randomdemo-dashboard-").FullName;

    /// <summary>
    /// The dashboard's telemetry API key. The AppHost takes it (and the OTLP key) from configuration;
    /// only when none is set does it generate one and save it in the developer's user secrets.
    /// </summary>
    private readonly string _apiKey = RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>Owns the app: disposing it stops every resource, even when the start failed half way.</summary>
    private IDistributedApplicationTestingBuilder? _builder;

    private DistributedApplication? _app;

    public AppHostFixture(IMessageSink diagnostics) => Logs = new TestLogRouter(diagnostics);

    public TestLogRouter Logs { get; }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>The dashboard's login link with the AppHost's browser token: <c>http://localhost:PORT/login?t=TOKEN</c>.</summary>
    public Uri LoginUrl { get; private set; } = null!;

    public Uri DashboardUrl => new(LoginUrl.GetLeftPart(UriPartial.Authority));

    /// <summary>The dashboard's HTTP API (<c>/api/telemetry/*</c>), with the API key header.</summary>
    public HttpClient DashboardApi { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The gateway through the endpoint the AppHost allocated for it.</summary>
    public HttpClient Gateway { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// One <c>GET /random/number</c> through the gateway in a trace chosen here (W3C <c>traceparent</c>,
    /// which ASP.NET Core continues), so that the tests find exactly this request in the dashboard.
    /// </summary>
    public async Task<ActivityTraceId> RequestNumberAsync()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/random/number?min=1&max=100");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await Gateway.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return traceId;
    }

    /// <summary>The bound of any single wait inside a test.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Builds (without starting) an app of the AppHost's real model, without the dashboard, for a test
    /// that changes the model first through <paramref name="configure"/>.
    /// </summary>
    public static async Task<DistributedApplication> BuildAsync(
        TestLogRouter logs, Action<IDistributedApplicationTestingBuilder> configure, CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RandomDemo_AppHost>(["Logging:Console:LogLevel:Default=None"], cancellationToken);
        builder.Services.AddLogging(logging => logging.AddProvider(logs));
        configure(builder);
        return await builder.BuildAsync(cancellationToken);
    }

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        DashboardApi.Dispose();
        Gateway.Dispose();
        if (Interlocked.Exchange(ref _builder, null) is { } builder)
        {
            await builder.DisposeAsync().AsTask().WaitAsync(StopTimeout);
        }

        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }

    private async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = _builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RandomDemo_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                $"AppHost:StateDirectory={_stateDirectory}",
                $"AppHost:DashboardApiKey={_apiKey}",
                $"AppHost:OtlpApiKey={RandomNumberGenerator.GetHexString(32, lowercase: true)}",
                // The AppHost's log goes to the tests' output (Logs), not to the test runner's console.
                "Logging:Console:LogLevel:Default=None",
            ],
            timeout.Token);
        builder.Services.AddLogging(logging => logging.AddProvider(Logs));
        builder.CreateResourceBuilder<ProjectResource>(ServiceNames.Gateway).WithEnvironment(RequestLogLevelVariable, "Information");

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var service in Services)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }

        LoginUrl = await _app.GetDashboardUrlAsync(timeout.Token);
        DashboardApi.BaseAddress = DashboardUrl;
        DashboardApi.DefaultRequestHeaders.Add("x-api-key", _apiKey);
        Gateway.BaseAddress = _app.GetEndpoint(ServiceNames.Gateway, "http");
    }
}

/// <summary>
/// The AppHost and dashboard tests share one app and one browser and run one at a time. The browser is the page
/// tests' <see cref="ChromiumFixture"/> (Debian's Chromium, never a download).
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "AppHost";
}
