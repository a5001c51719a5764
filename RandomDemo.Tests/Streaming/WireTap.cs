using System.Text;

namespace RandomDemo.Tests.Streaming;

/// <summary>
/// A response body that keeps every chunk read from it with the time it arrived: what a test of the
/// wire format reads, and where comments (keep-alives), which SseParser reports as nothing, are seen.
/// </summary>
public sealed class WireTap(Stream body) : Stream
{
    private readonly List<(DateTimeOffset At, byte[] Bytes)> _chunks = [];

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Everything read so far that arrived after <paramref name="since"/>, as text.</summary>
    public string Text(DateTimeOffset since = default)
    {
        lock (_chunks)
        {
            return Encoding.UTF8.GetString([.. _chunks.Where(chunk => chunk.At > since).SelectMany(chunk => chunk.Bytes)]);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await body.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            lock (_chunks)
            {
                _chunks.Add((DateTimeOffset.UtcNow, buffer[..read].ToArray()));
            }
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Not used: the stream is read asynchronously, and a blocking read would hold a thread for as long as the server is silent.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await body.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
        }

        base.Dispose(disposing);
    }
}
