using System.Security.Cryptography;

namespace Jamey3.Engine.Stores;

internal static class ObjectHash
{
    /// <summary>Parses a hex SHA-256, refusing anything else (a typo must not silently disable the check).</summary>
    public static byte[] ParseSha256(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 64) throw new ArgumentException($"'{hex}' is not a hex SHA-256 (64 hex digits).", nameof(hex));
        try { return Convert.FromHexString(hex); }
        catch (FormatException e) { throw new ArgumentException($"'{hex}' is not a hex SHA-256 (64 hex digits).", nameof(hex), e); }
    }

    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);
}

/// <summary>
/// Wraps a response body so that it yields exactly <c>expected</c> bytes: a body that ends early (a dropped
/// connection, a store that lost part of an object) throws instead of looking like a shorter object. With
/// <c>window</c> the inner stream goes on past the range (a seeked file) and is simply not read further;
/// otherwise a body longer than announced throws too.
/// </summary>
internal sealed class ExactLengthStream(Stream inner, long expected, Func<long, Exception> onShort, bool window = false) : Stream
{
    long _read;
    readonly long _probe = window ? 0 : 1;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expected;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0 || (_probe == 0 && _read == expected)) return 0;
        int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, Math.Max(0, expected - _read) + _probe)]);
        return Account(n);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0 || (_probe == 0 && _read == expected)) return 0;
        int n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Math.Max(0, expected - _read) + _probe)], cancellationToken).ConfigureAwait(false);
        return Account(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    int Account(int n)
    {
        _read += n;
        if (_read > expected) throw onShort(_read);
        if (n == 0 && _read < expected) throw onShort(_read);
        return n;
    }

    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    public override ValueTask DisposeAsync() => inner.DisposeAsync();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Reads a stream in full blocks (the last may be short), for block uploads.</summary>
internal static class StreamBlocks
{
    public static async Task<int> ReadBlockAsync(Stream source, Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await source.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Hashes the rest of a seekable stream (SHA-256 and MD5) and puts its position back.</summary>
    public static async Task<(byte[] Sha256, byte[] Md5, long Length)> HashSeekableAsync(Stream source, CancellationToken ct)
    {
        long start = source.Position;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        long length = 0;
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, 1 << 20), ct).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                md5.AppendData(buffer, 0, n);
                length += n;
            }
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        source.Position = start;
        return (sha.GetHashAndReset(), md5.GetHashAndReset(), length);
    }
}
