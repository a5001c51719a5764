namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>A .NET project of the solution, run from its build output.</summary>
public sealed class ProjectResource(string name) :
    IResourceWithEnvironment, IResourceWithServiceDiscovery, IResourceWithWaitSupport
{
    public string Name { get; } = name;

    public ResourceAnnotationCollection Annotations { get; } = [];

    public IProjectMetadata Metadata => this.OfAnnotation<IProjectMetadata>().Single();

    public override string ToString() => Name;
}
