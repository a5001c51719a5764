using System.Reflection;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>The checkout the tests run in: its root and the build output of its projects.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Path of a project's built assembly, in the same configuration as these tests.</summary>
    public static string BuildOutput(string project)
    {
        var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(Root, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built (looked for {dll})", dll);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RandomDemo.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("RandomDemo.sln not found above " + AppContext.BaseDirectory);
    }
}
