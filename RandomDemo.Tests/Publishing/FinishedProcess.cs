using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Publishing;

/// <summary>A command run to its end from the repository root: its exit code and everything it printed.</summary>
public sealed record FinishedProcess(int ExitCode, string Output)
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The built AppHost with <c>--operation publish --step publish --output-path</c> and <paramref name="arguments"/>.</summary>
    public static Task<FinishedProcess> PublishWithAppHostAsync(string outputPath, params string[] arguments) =>
        RunAsync(["dotnet", ServiceProcess.BuildOutput("RandomDemo.AppHost"), "--operation", "publish", "--step", "publish", "--output-path", outputPath, .. arguments]);

    /// <summary><c>aspire publish -o</c> with the CLI of the repository's tool manifest.</summary>
    public static Task<FinishedProcess> PublishWithAspireCliAsync(string outputPath) =>
        RunAsync(["dotnet", "tool", "run", "aspire", "publish", "--non-interactive", "--nologo", "--no-build", "--apphost", "RandomDemo.AppHost", "-o", outputPath]);

    public static Task<FinishedProcess> RunAsync(params string[] command) => RunAsync(new Dictionary<string, string>(), DefaultTimeout, command);

    /// <summary>Runs <paramref name="command"/> with <paramref name="environment"/> added; a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<FinishedProcess> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] command)
    {
        await using var process = StartedProcess.Start(command[0], command,
            environment: environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value),
            workingDirectory: ServiceProcess.RepositoryRoot);
        try
        {
            var exitCode = await process.WaitForExitAsync(timeout);
            return new FinishedProcess(exitCode, string.Join('\n', process.Output));
        }
        catch (TimeoutException)
        {
            // Disposal kills it and whatever it started.
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {timeout}");
        }
    }
}
