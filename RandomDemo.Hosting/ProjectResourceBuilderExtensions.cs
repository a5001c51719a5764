using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting;

public static class ProjectResourceBuilderExtensions
{
    /// <summary>
    /// Adds a project of the solution (<c>Projects.{Name}</c>, generated from the AppHost's ProjectReferences) with an
    /// implicit "http" endpoint, which the project's first declared endpoint replaces.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = new ProjectResource(name);
        project.Annotations.Add(new TProject());
        project.Annotations.Add(new EndpointAnnotation("http") { IsImplicit = true });
        return builder.AddResource(project);
    }

    /// <summary>Runs <paramref name="replicas"/> instances. Part of the model; the local orchestrator refuses more than one at start.</summary>
    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.Annotations.RemoveAll(a => a is ReplicaAnnotation);
        builder.Resource.Annotations.Add(new ReplicaAnnotation(replicas));
        return builder;
    }
}
