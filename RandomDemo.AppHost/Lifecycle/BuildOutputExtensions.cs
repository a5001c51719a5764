using System.Reflection;

namespace RandomDemo.AppHost.Lifecycle;

public static class BuildOutputExtensions
{
    /// <summary>
    /// Key prefix of the assembly metadata the AppHost's build writes for each service it references:
    /// <c>ServiceBuildOutput:{project file}</c> = its built assembly (RandomDemo.AppHost.csproj).
    /// </summary>
    private const string MetadataKeyPrefix = "ServiceBuildOutput:";

    /// <summary>
    /// In a run, DCP starts the project's built assembly (<c>dotnet {assembly}</c> in the project's
    /// directory, as Aspire starts its dashboard) instead of <c>dotnet run --project</c>, which
    /// evaluates the project with MSBuild again before the service starts, and which would stand
    /// between DCP's signals and the service. The resource stays a project: environment, service
    /// discovery, telemetry, the dashboard and publishing are Aspire's as before. Without a recorded
    /// build output (or under <c>dotnet watch</c>, which runs the projects itself) Aspire's default stays.
    /// </summary>
    public static IResourceBuilder<ProjectResource> RunFromBuildOutput(this IResourceBuilder<ProjectResource> builder)
    {
        var appHost = builder.ApplicationBuilder;
        if (!appHost.ExecutionContext.IsRunMode || appHost.Configuration["DOTNET_WATCH"] is { Length: > 0 }
            || BuiltAssembly(builder.Resource) is not { } assembly)
        {
            return builder;
        }

        var projectDirectory = Path.GetDirectoryName(builder.Resource.GetProjectMetadata().ProjectPath)!;
        return builder
            .WithAnnotation(new ExecutableAnnotation { Command = "dotnet", WorkingDirectory = projectDirectory }, ResourceAnnotationMutationBehavior.Replace)
            .WithArgs(context => context.Args.Insert(0, assembly));
    }

    /// <summary>The assembly the AppHost's build recorded for the project, if it is there.</summary>
    internal static string? BuiltAssembly(ProjectResource project)
    {
        var key = MetadataKeyPrefix + Path.GetFullPath(project.GetProjectMetadata().ProjectPath);
        var assembly = typeof(BuildOutputExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(metadata => metadata.Key == key)?.Value;
        return File.Exists(assembly) ? assembly : null;
    }
}
