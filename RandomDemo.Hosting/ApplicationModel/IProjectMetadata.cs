namespace RandomDemo.Hosting;

/// <summary>
/// What the build knows about a resource project: generated as <c>Projects.{Name}</c> from the AppHost's
/// ProjectReferences by RandomDemo.Hosting.targets.
/// </summary>
public interface IProjectMetadata : ApplicationModel.IResourceAnnotation
{
    /// <summary>Full path of the project file.</summary>
    string ProjectPath { get; }

    /// <summary>Full path of the project's built assembly (its MSBuild TargetPath), the one the orchestrator runs.</summary>
    string TargetPath { get; }
}
