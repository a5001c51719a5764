using Microsoft.Extensions.DependencyInjection;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Testing;

/// <summary>How a test reaches the resources of a started application.</summary>
public static class DistributedApplicationTestingBuilderExtensions
{
    /// <summary>The address of a resource's endpoint (its first when <paramref name="endpointName"/> is null) in this run.</summary>
    public static Uri GetEndpoint(this DistributedApplication app, string resourceName, string? endpointName = null)
    {
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Find(resourceName);
        var endpoints = resource.GetEndpoints();
        var endpoint = (endpointName is null ? endpoints.FirstOrDefault() : endpoints.FirstOrDefault(e => e.Name == endpointName))
            ?? throw new ArgumentException($"Resource '{resourceName}' has no endpoint '{endpointName ?? "(any)"}'.", nameof(endpointName));
        var allocated = endpoint.AllocatedEndpoint
            ?? throw new InvalidOperationException($"Endpoint '{endpoint.Name}' of '{resourceName}' has no port yet: start the application first.");
        return new Uri(allocated.UriString);
    }

    /// <summary>An HttpClient whose base address is the resource's endpoint.</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string? endpointName = null) =>
        new() { BaseAddress = app.GetEndpoint(resourceName, endpointName) };
}
