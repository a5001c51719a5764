using System.Net;
using System.Threading.Channels;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// One connected /stream client: a bounded queue of shared frames that the broadcaster fills
/// without waiting and the client's request handler drains onto the socket.
/// </summary>
internal sealed class SseClient
{
    private readonly Channel<SseFrame> _queue;
    private readonly HttpContext _context;

    public SseClient(HttpContext context, int capacity, IPAddress? address)
    {
        _context = context;
        Address = address;
        _queue = Channel.CreateBounded<SseFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>The address its stream counts against (null when exempt from the per-address limit).</summary>
    public IPAddress? Address { get; }

    public ChannelReader<SseFrame> Frames => _queue.Reader;

    /// <summary>Queues a frame; false when the queue is full (or already completed).</summary>
    public bool TryEnqueue(SseFrame frame) => _queue.Writer.TryWrite(frame);

    /// <summary>No more frames: the handler sends what is queued and ends the response.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Ends the connection now, even while the handler waits on a socket that does not drain.</summary>
    public void Disconnect()
    {
        Complete();
        _context.Abort();
    }
}
