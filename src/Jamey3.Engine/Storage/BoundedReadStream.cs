namespace Jamey3.Engine.Storage;

/// <summary>
/// Reads at most <c>limit</c> bytes from a stream and fails on the first byte beyond it. Whatever reads stored
/// content (restore, verification, a copy to another repository) wraps the decompressing stream in one, with the
/// manifest's size as the limit, so a stored file that expands to far more than it claims (a small zstd stream of
/// gigabytes of zeros) is stopped one byte past its size instead of being written out in full first. With every
/// read bounded, the manifest's sizes are also a true bound on the space a restore needs.
/// </summary>
public sealed class BoundedReadStream(Stream inner, long limit, bool leaveOpen = false) : Stream
{
    long _read;
    bool _overflowed;

    /// <summary>The most bytes this stream passes on.</summary>
    public long Limit { get; } = limit >= 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    /// <summary>Bytes passed on so far.</summary>
    public long BytesRead => _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        if (_overflowed) throw new ContentTooLongException(Limit);
        long room = Limit - _read;
        // Ask for one byte more than the room left: getting it proves the content is longer than allowed,
        // and the inner stream is never asked to produce more than that one byte past the limit.
        int want = (int)Math.Min(buffer.Length, room + 1);
        int n = inner.Read(buffer[..want]);
        if (n > room)
        {
            // Pass on what fits; the next read reports the overflow.
            _overflowed = true;
            if (room == 0) throw new ContentTooLongException(Limit);
            n = (int)room;
        }
        _read += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Stored content went on past the size its manifest gives; reading stopped there.</summary>
public sealed class ContentTooLongException(long limit)
    : IOException($"it holds more than the {limit:N0} bytes its manifest gives; reading stopped there")
{
    public long Limit { get; } = limit;
}
