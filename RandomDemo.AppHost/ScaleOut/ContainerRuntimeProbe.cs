using System.Diagnostics;
using System.Reflection;

namespace RandomDemo.AppHost.ScaleOut;

/// <summary>
/// Asks the container runtime DCP would use whether it can run Aspire's Redis container here: it
/// answers, and it either holds the image already or nothing else could run Redis. No registry is
/// reachable on these machines, so a runtime without the image would wait for a pull forever.
/// </summary>
internal static class ContainerRuntimeProbe
{
    /// <summary>DCP's own setting; without it DCP looks for docker, then podman.</summary>
    public const string RuntimeVariable = "ASPIRE_CONTAINER_RUNTIME";

    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(5);

    /// <summary>The runtimes DCP would try, in its order.</summary>
    public static IReadOnlyList<string> CandidateRuntimes(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? ["docker", "podman"] : [configured];

    /// <summary>The first candidate whose <c>info</c> exits 0 within the deadline; null when none answers.</summary>
    public static string? AnsweringRuntime(string? configured) =>
        CandidateRuntimes(configured).FirstOrDefault(runtime => Succeeds(runtime, "info"));

    public static bool HasImage(string runtime, string image) => Succeeds(runtime, "image", "inspect", image);

    public static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    /// <summary>
    /// The image <c>AddRedis</c> gives its resource (<c>registry/image:tag</c>), from Aspire.Hosting.Redis's
    /// own constants: they are internal, and the probe runs before any Redis resource exists to read them from.
    /// </summary>
    public static string AspireRedisImage()
    {
        var tags = typeof(RedisResource).Assembly.GetTypes().SingleOrDefault(type => type.Name == "RedisContainerImageTags")
            ?? throw new InvalidOperationException($"{typeof(RedisResource).Assembly.GetName()} has no RedisContainerImageTags.");
        string Constant(string name) => tags.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue() as string
            ?? throw new InvalidOperationException($"{tags.FullName} has no constant {name}.");
        return $"{Constant("Registry")}/{Constant("Image")}:{Constant("Tag")}";
    }

    private static bool Succeeds(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            // Drained so that a chatty `info` cannot block on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandDeadline))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return false;
        }
    }
}
