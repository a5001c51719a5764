using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>
/// One RandomDemo service running as a real process from its build output, listening on a
/// loopback port chosen at run time.
/// </summary>
public sealed class ServiceProcess : StartedProcess
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private ServiceProcess(string project, int port, ITestOutputHelper? output, IReadOnlyDictionary<string, string?>? environment, string? workingDirectory)
        : base(project, ["dotnet", BuildOutput(project)], output, Environment(port, environment), workingDirectory ?? Path.GetDirectoryName(BuildOutput(project)))
    {
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// Starts <paramref name="project"/> (e.g. "RandomDemo.Generator") on <paramref name="port"/>
    /// (a free one when null) in <paramref name="workingDirectory"/> (its output folder when null)
    /// and returns once Kestrel says it is listening.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string project,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        int? port = null,
        string? workingDirectory = null)
    {
        var service = new ServiceProcess(project, port ?? FreePort(), output, environment, workingDirectory);
        try
        {
            await service.WaitForLinesAsync(line => line.Contains("Now listening on:", StringComparison.Ordinal), 1, "listening", StartTimeout);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Path of a project's built assembly, in the same configuration as these tests.</summary>
    public static string BuildOutput(string project)
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(RepositoryRoot, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built (looked for {dll})", dll);
    }

    /// <summary>The service on <paramref name="port"/>, in Development, one console line per log entry, exporting no telemetry; then <paramref name="overrides"/>.</summary>
    private static Dictionary<string, string?> Environment(int port, IReadOnlyDictionary<string, string?>? overrides)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return environment;
    }

    private static string FindRepositoryRoot()
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
