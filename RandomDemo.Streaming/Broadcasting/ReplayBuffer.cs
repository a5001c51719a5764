namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// The newest data frames, at most <c>capacity</c>, with consecutive positions and rising ids. Not
/// thread-safe: the broadcaster guards it.
/// </summary>
internal sealed class ReplayBuffer(int capacity)
{
    private readonly SseFrame[] _frames = new SseFrame[capacity];
    private int _count;
    private long _newestPosition;

    public int Count => _count;

    /// <summary>Id of the oldest frame held; meaningless when empty.</summary>
    public long OldestId => _count == 0 ? 0 : this[0].Id;

    private SseFrame this[int index] => _frames[(int)((_newestPosition - _count + 1 + index) % _frames.Length)];

    /// <summary>Appends a frame whose position follows the newest one held (or starts the buffer).</summary>
    public void Add(SseFrame frame)
    {
        if (_count > 0 && frame.Position != _newestPosition + 1)
        {
            throw new ArgumentException($"Frame position {frame.Position} does not follow {_newestPosition}.", nameof(frame));
        }

        _newestPosition = frame.Position;
        _frames[frame.Position % _frames.Length] = frame;
        _count = Math.Min(_count + 1, _frames.Length);
    }

    /// <summary>The frames with id greater than <paramref name="afterId"/>, oldest first.</summary>
    public SseFrame[] After(long afterId)
    {
        // Ids rise with position, though not always by one: the first frame after afterId is found by halving.
        var low = 0;
        var high = _count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (this[middle].Id <= afterId)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        var result = new SseFrame[_count - low];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = this[low + i];
        }

        return result;
    }
}
