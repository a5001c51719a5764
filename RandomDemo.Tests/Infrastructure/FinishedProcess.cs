namespace RandomDemo.Tests.Infrastructure;

/// <summary>A command run to its end (<see cref="StartedProcess.RunAsync(string[])"/>): its exit code and everything it printed.</summary>
public sealed record FinishedProcess(int ExitCode, string Output);
