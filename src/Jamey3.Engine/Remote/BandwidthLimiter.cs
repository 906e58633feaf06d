namespace Jamey3.Engine.Remote;

/// <summary>
/// A token bucket shared by every upload of a copy: at most <see cref="BytesPerSecond"/> on average, with a burst of a
/// quarter second, so parallel uploads together respect -MaxBytesPerSecond. Each read reserves its bytes' time slot.
/// </summary>
public sealed class BandwidthLimiter
{
    readonly object _gate = new();
    readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    double _nextFree; // seconds on _clock when the bucket is empty again

    public BandwidthLimiter(long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        BytesPerSecond = bytesPerSecond;
    }

    public long BytesPerSecond { get; }

    /// <summary>Waits until <paramref name="bytes"/> may be sent.</summary>
    public Task WaitAsync(int bytes, CancellationToken ct)
    {
        TimeSpan delay;
        lock (_gate)
        {
            double now = _clock.Elapsed.TotalSeconds;
            const double burst = 0.25;
            double start = Math.Max(_nextFree, now - burst);
            _nextFree = start + bytes / (double)BytesPerSecond;
            delay = TimeSpan.FromSeconds(Math.Max(0, _nextFree - now - burst));
        }
        return delay > TimeSpan.FromMilliseconds(1) ? Task.Delay(delay, ct) : Task.CompletedTask;
    }
}

/// <summary>
/// A seekable read-only view of an upload's source that counts what is sent and paces it through the limiter. Reads
/// count only from pass <paramref name="countFromPass"/> on: a store that hashes the whole object before sending it
/// (S3 reads it once to hash, then rewinds) must not have that first pass paced or counted as sent.
/// </summary>
internal sealed class MeteredStream(Stream inner, BandwidthLimiter? limiter, Action<long> onSent, int countFromPass) : Stream
{
    int _pass = 1;
    long _sentThisPass;

    public long SentThisPass => _sentThisPass;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set
        {
            if (value < inner.Position) Rewound();
            inner.Position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => inner.Position + offset, _ => inner.Length + offset };
        if (target < inner.Position) Rewound();
        return inner.Seek(offset, origin);
    }

    void Rewound()
    {
        // What the earlier pass counted was not (or not finally) sent: the next pass counts again.
        if (_pass >= countFromPass) onSent(-_sentThisPass);
        _sentThisPass = 0;
        _pass++;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length > 1 << 16) buffer = buffer[..(1 << 16)];
        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0 && _pass >= countFromPass)
        {
            if (limiter is not null) await limiter.WaitAsync(n, cancellationToken).ConfigureAwait(false);
            _sentThisPass += n;
            onSent(n);
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
