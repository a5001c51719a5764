namespace RandomDemo.AppHost.Publishing;

/// <summary>A publish that cannot write correct output (the model or the output path): one message, nothing written.</summary>
public sealed class PublishException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The AppHost's exit code after a failed publish.</summary>
    public const int ExitCode = 3;
}
