using RandomDemo.Contracts;
using RandomDemo.Streaming.Broadcasting;

namespace RandomDemo.Streaming.EventLog;

/// <summary>
/// Where the upstream's points become events: in this process (<see cref="InMemoryEventLog"/>, the
/// default), or in a log shared by streaming replicas (<see cref="SharedEventLog"/>, Redis), from
/// which every replica's reader publishes them.
/// </summary>
internal interface IEventLog
{
    /// <summary>Makes <paramref name="point"/> the next event, where this replica may.</summary>
    ValueTask AppendAsync(DataPoint point, CancellationToken cancellationToken);
}

/// <summary>One process, no configuration: the broadcaster numbers the points and keeps the replay.</summary>
internal sealed class InMemoryEventLog(EventBroadcaster broadcaster) : IEventLog
{
    public ValueTask AppendAsync(DataPoint point, CancellationToken cancellationToken)
    {
        broadcaster.Publish(point);
        return ValueTask.CompletedTask;
    }
}
