namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// The newest data frames, at most <c>capacity</c>, with consecutive ids. Not thread-safe: the
/// broadcaster guards it.
/// </summary>
internal sealed class ReplayBuffer(int capacity)
{
    private readonly SseFrame[] _frames = new SseFrame[capacity];
    private int _count;

    public int Count => _count;

    /// <summary>Id of the oldest frame held; meaningless when empty.</summary>
    public long OldestId => _count == 0 ? 0 : this[0].Id;

    private SseFrame this[int index] => _frames[(int)((NewestId - _count + 1 + index) % _frames.Length)];

    private long NewestId { get; set; }

    /// <summary>Appends a frame whose id follows the newest one held (or starts the buffer).</summary>
    public void Add(SseFrame frame)
    {
        if (_count > 0 && frame.Id != NewestId + 1)
        {
            throw new ArgumentException($"Frame id {frame.Id} does not follow {NewestId}.", nameof(frame));
        }

        NewestId = frame.Id;
        _frames[frame.Id % _frames.Length] = frame;
        _count = Math.Min(_count + 1, _frames.Length);
    }

    /// <summary>The frames with id greater than <paramref name="afterId"/>, oldest first.</summary>
    public SseFrame[] After(long afterId)
    {
        var skip = (int)Math.Clamp(afterId - OldestId + 1, 0, _count);
        var result = new SseFrame[_count - skip];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = this[skip + i];
        }

        return result;
    }
}
