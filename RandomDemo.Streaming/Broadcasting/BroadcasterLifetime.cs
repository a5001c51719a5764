namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Start and stop of the broadcaster. Registered before the upstream reader, so it stops after
/// it: the state saved on shutdown includes every event that was published.
/// </summary>
internal sealed class BroadcasterLifetime(EventBroadcaster broadcaster, EventStateFile stateFile, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        stateFile.CheckWritable();

        // Streams never end on their own; ending them when stopping begins lets Kestrel shut down at once.
        lifetime.ApplicationStopping.Register(broadcaster.CloseAllClients);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        stateFile.Save(broadcaster.Snapshot());
        return Task.CompletedTask;
    }
}
