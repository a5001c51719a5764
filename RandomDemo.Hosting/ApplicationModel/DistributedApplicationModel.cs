namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>The resources of the application: what orchestrators, publishers and the dashboard read.</summary>
public sealed class DistributedApplicationModel(IResourceCollection resources)
{
    public IResourceCollection Resources { get; } = resources;

    public IResource Find(string name) =>
        Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"The application has no resource named '{name}'.", nameof(name));
}

public interface IResourceCollection : IList<IResource>;

internal sealed class ResourceCollection : List<IResource>, IResourceCollection;
