namespace RandomDemo.AppHost.Lifecycle;

/// <summary>
/// A start that cannot go on for a reason the user can fix (a port in use, a bad setting). The
/// AppHost process says it in one line and exits with <see cref="ExitCode"/>, no stack trace
/// (<see cref="StartupErrorReporting"/>); under Aspire's testing builder the test sees the exception.
/// </summary>
public sealed class AppHostStartupException(string message, int exitCode) : Exception(message)
{
    public const int PortInUseExitCode = 1;
    public const int BadArgumentExitCode = 2;

    public int ExitCode { get; } = exitCode;
}
