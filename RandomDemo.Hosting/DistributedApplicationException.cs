namespace RandomDemo.Hosting;

/// <summary>The application cannot start as described; the message is one line for the user.</summary>
public sealed class DistributedApplicationException(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The AppHost's exit code for this failure (2 for bad arguments, as command-line tools do).</summary>
    public int ExitCode { get; } = exitCode;
}
