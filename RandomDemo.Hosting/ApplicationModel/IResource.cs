namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>A named part of the distributed application; everything else about it is in its annotations.</summary>
public interface IResource
{
    string Name { get; }

    ResourceAnnotationCollection Annotations { get; }
}

/// <summary>A resource with network endpoints (<see cref="EndpointAnnotation"/>).</summary>
public interface IResourceWithEndpoints : IResource;

/// <summary>A resource whose process takes environment variables.</summary>
public interface IResourceWithEnvironment : IResource;

/// <summary>A resource other resources can find by name (<c>WithReference</c>).</summary>
public interface IResourceWithServiceDiscovery : IResourceWithEndpoints;

/// <summary>A resource that can wait for others before it starts (<c>WaitFor</c>).</summary>
public interface IResourceWithWaitSupport : IResource;

/// <summary>Marker for the plain data attached to a resource.</summary>
public interface IResourceAnnotation;

/// <summary>The annotations of one resource, in the order they were added.</summary>
public sealed class ResourceAnnotationCollection : List<IResourceAnnotation>;

public static class ResourceExtensions
{
    public static IEnumerable<T> OfAnnotation<T>(this IResource resource)
        where T : IResourceAnnotation => resource.Annotations.OfType<T>();

    public static bool TryGetLastAnnotation<T>(this IResource resource, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? annotation)
        where T : class, IResourceAnnotation
    {
        annotation = resource.Annotations.OfType<T>().LastOrDefault();
        return annotation is not null;
    }

    public static IReadOnlyList<EndpointAnnotation> GetEndpoints(this IResource resource) =>
        resource.OfAnnotation<EndpointAnnotation>().ToList();
}
