namespace RandomDemo.Hosting;

/// <summary>How the application builder is created.</summary>
public sealed class DistributedApplicationOptions
{
    public string[] Args { get; init; } = [];

    /// <summary>Every endpoint gets a free port, fixed ones too (set under test).</summary>
    internal bool RandomizePorts { get; set; }

    /// <summary>Where resource output goes instead of the console (no colours then).</summary>
    internal Action<string>? Output { get; set; }

    /// <summary>Default limit of StartAsync when its token cannot be cancelled (set under test).</summary>
    internal TimeSpan? StartTimeout { get; set; }

    /// <summary>What is wrong with the arguments, found when the builder was created, reported at start.</summary>
    internal List<string> ArgumentErrors { get; } = [];
}
