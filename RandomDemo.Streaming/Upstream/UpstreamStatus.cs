namespace RandomDemo.Streaming.Upstream;

internal enum UpstreamState
{
    /// <summary>The first stream is being opened.</summary>
    Connecting,

    /// <summary>A stream is open and has delivered points.</summary>
    Connected,

    /// <summary>The stream broke after having worked; a new one is being opened.</summary>
    Reconnecting,
}

/// <summary>What the upstream reader reports to /health and /metrics.</summary>
internal sealed class UpstreamStatus
{
    private int _state = (int)UpstreamState.Connecting;
    private long _reconnects;
    private long _messagesReceived;

    public UpstreamState State => (UpstreamState)Volatile.Read(ref _state);

    /// <summary>"connected", "connecting" or "reconnecting", as /health and /metrics show it.</summary>
    public string StateName => State switch
    {
        UpstreamState.Connected => "connected",
        UpstreamState.Reconnecting => "reconnecting",
        _ => "connecting",
    };

    /// <summary>How many times the stream was re-established (a point arrived) after a break.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Data points received from the generator, over all streams.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>The first point of a stream arrived.</summary>
    public void OnStreamEstablished()
    {
        if (Interlocked.Exchange(ref _state, (int)UpstreamState.Connected) == (int)UpstreamState.Reconnecting)
        {
            Interlocked.Increment(ref _reconnects);
        }
    }

    /// <summary>The stream ended or could not be opened.</summary>
    public void OnStreamLost() =>
        Interlocked.CompareExchange(ref _state, (int)UpstreamState.Reconnecting, (int)UpstreamState.Connected);

    public void OnPointReceived() => Interlocked.Increment(ref _messagesReceived);
}
