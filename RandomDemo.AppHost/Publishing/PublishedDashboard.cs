using RandomDemo.Contracts;

namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// The Aspire dashboard beside the published services (in a run the AppHost hosts it; published, it
/// is a container of its own): its UI on <see cref="ServicePorts.DashboardUi"/>, its OTLP receiver
/// on <see cref="ServicePorts.DashboardOtlp"/> inside the network only.
/// </summary>
internal static class PublishedDashboard
{
    public const string Name = "dashboard";
    public const string ImageVariable = "DASHBOARD_IMAGE";

    /// <summary>The public dashboard image, tagged with the Aspire version (major.minor) the AppHost runs on.</summary>
    public static readonly string DefaultImage =
        $"mcr.microsoft.com/dotnet/aspire-dashboard:{typeof(DistributedApplication).Assembly.GetName().Version?.ToString(2)}";

    /// <summary>
    /// UI behind the browser token the dashboard logs at start (its default); OTLP without
    /// authentication, reachable from the app's network only.
    /// </summary>
    public static readonly Dictionary<string, object> Environment = new()
    {
        ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{ServicePorts.DashboardUi}",
        ["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://0.0.0.0:{ServicePorts.DashboardOtlp}",
        ["DASHBOARD__OTLP__AUTHMODE"] = "Unsecured",
    };

    /// <summary>What each service needs to send its traces, metrics and logs to the dashboard.</summary>
    public static IEnumerable<KeyValuePair<string, string>> OtlpEnvironment(string serviceName) =>
    [
        new("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://{Name}:{ServicePorts.DashboardOtlp}"),
        new("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        new("OTEL_SERVICE_NAME", serviceName),
    ];
}
