using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting;

/// <summary>Describes the distributed application (its resources) and builds it.</summary>
public interface IDistributedApplicationBuilder
{
    ConfigurationManager Configuration { get; }

    IServiceCollection Services { get; }

    IHostEnvironment Environment { get; }

    IResourceCollection Resources { get; }

    /// <summary>Adds a resource to the model; names are unique (case-insensitive).</summary>
    IResourceBuilder<T> AddResource<T>(T resource)
        where T : IResource;

    /// <summary>A builder for a resource already in the model.</summary>
    IResourceBuilder<T> CreateResourceBuilder<T>(T resource)
        where T : IResource;

    DistributedApplication Build();
}
