using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RandomDemo.Hosting.ApplicationModel;

/// <summary>What is known about a resource at one moment of the run.</summary>
public sealed record CustomResourceSnapshot
{
    public required string ResourceType { get; init; }

    public string State { get; init; } = KnownResourceStates.NotStarted;

    /// <summary>Null until a health probe has answered while the resource runs.</summary>
    public HealthStatus? HealthStatus { get; init; }

    public int? ProcessId { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>How many times the orchestrator has restarted the resource after it exited.</summary>
    public int RestartCount { get; init; }

    public DateTime? StartTimeStamp { get; init; }

    public DateTime? StopTimeStamp { get; init; }

    public ImmutableArray<UrlSnapshot> Urls { get; init; } = [];

    public ImmutableArray<EnvironmentVariableSnapshot> EnvironmentVariables { get; init; } = [];
}

public sealed record UrlSnapshot(string Name, string Url, bool IsInternal);

public sealed record EnvironmentVariableSnapshot(string Name, string? Value);

/// <summary>A resource's new snapshot.</summary>
public sealed record ResourceEvent(IResource Resource, CustomResourceSnapshot Snapshot)
{
    public string ResourceId => Resource.Name;
}
