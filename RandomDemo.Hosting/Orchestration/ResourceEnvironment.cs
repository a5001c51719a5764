using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>The environment a resource's process gets, by Aspire's conventions (see ASPIRE-FACTS).</summary>
internal static class ResourceEnvironment
{
    /// <summary>Configuration key of the OTLP receiver the services send telemetry to (Aspire's name); unset means none.</summary>
    public const string OtlpEndpointKey = "DOTNET_DASHBOARD_OTLP_ENDPOINT_URL";

    /// <summary>Variables of the AppHost's own environment that would mislead a child, so they are not inherited.</summary>
    public static IReadOnlyList<string> NotInherited { get; } =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "HTTP_PORTS", "HTTPS_PORTS",
        "DOTNET_LAUNCH_PROFILE", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
    ];

    /// <summary>The variables to set; a null value removes a variable the AppHost's environment would pass on.</summary>
    public static Dictionary<string, string?> Build(IResource resource, string instanceId, string? otlpEndpoint)
    {
        var endpoints = resource.GetEndpoints();
        var environment = NotInherited.ToDictionary(name => name, string? (_) => null, StringComparer.Ordinal);
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = resource.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instanceId}",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
        })
        {
            environment[name] = value;
        }

        if (endpoints.Count > 0)
        {
            environment["ASPNETCORE_URLS"] = string.Join(';', endpoints.Select(e => Allocated(resource, e).UriString));
        }

        foreach (var endpoint in endpoints.Where(e => e.TargetPortEnvironmentVariable is not null))
        {
            environment[endpoint.TargetPortEnvironmentVariable!] = Allocated(resource, endpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        }

        foreach (var reference in resource.OfAnnotation<ResourceReferenceAnnotation>())
        {
            foreach (var endpoint in reference.Resource.GetEndpoints())
            {
                var url = Allocated(reference.Resource, endpoint).UriString;
                environment[$"services__{reference.Resource.Name}__{endpoint.Name}__0"] = url;
                environment[$"{EnvironmentName(reference.Resource.Name)}_{EnvironmentName(endpoint.Name)}"] = url;
            }
        }

        foreach (var variable in resource.OfAnnotation<EnvironmentAnnotation>())
        {
            environment[variable.Name] = variable.Value;
        }

        return environment;
    }

    /// <summary>A service instance id as Aspire makes them: 8 random lower-case letters.</summary>
    public static string NewInstanceId() =>
        string.Create(8, 0, static (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + Random.Shared.Next(26));
            }
        });

    private static string EnvironmentName(string name) => name.ToUpperInvariant().Replace('-', '_');

    private static AllocatedEndpoint Allocated(IResource resource, EndpointAnnotation endpoint) =>
        endpoint.AllocatedEndpoint
        ?? throw new InvalidOperationException($"Endpoint '{endpoint.Name}' of '{resource.Name}' has no port yet; endpoints are allocated at start.");
}
