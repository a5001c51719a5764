namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>The states a resource goes through, with Aspire's names.</summary>
public static class KnownResourceStates
{
    public const string NotStarted = nameof(NotStarted);
    public const string Waiting = nameof(Waiting);
    public const string Starting = nameof(Starting);
    public const string Running = nameof(Running);
    public const string RuntimeUnhealthy = nameof(RuntimeUnhealthy);
    public const string Stopping = nameof(Stopping);
    public const string Exited = nameof(Exited);
    public const string Finished = nameof(Finished);
    public const string FailedToStart = nameof(FailedToStart);

    /// <summary>States a resource does not leave by itself.</summary>
    public static IReadOnlyList<string> TerminalStates { get; } = [Finished, FailedToStart];
}
