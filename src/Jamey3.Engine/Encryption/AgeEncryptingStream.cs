using Jamey3.Engine.Errors;
using System.Security.Cryptography;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// A write-only stream that encrypts what is written to it into an age file on the destination, one
/// 64 KiB chunk at a time (memory stays at one chunk). Call <see cref="Complete"/> (or
/// <see cref="CompleteAsync"/>) after the last write: only that writes the final chunk. Disposing without
/// completing leaves a file every reader rejects as truncated, so a failed or cancelled copy can never
/// pass for a whole one.
/// </summary>
public sealed class AgeEncryptingStream : Stream
{
    readonly Stream _destination;
    readonly bool _leaveOpen;
    readonly ChaCha20Poly1305 _aead;
    readonly byte[] _plain = new byte[AgePayload.ChunkSize];
    readonly byte[] _cipher = new byte[AgePayload.EncryptedChunkSize];
    int _plainCount;
    long _counter;
    long _written;
    bool _completed;
    bool _disposed;

    AgeEncryptingStream(Stream destination, byte[] payloadKey, bool leaveOpen)
    {
        _destination = destination;
        _leaveOpen = leaveOpen;
        _aead = new ChaCha20Poly1305(payloadKey);
        CryptographicOperations.ZeroMemory(payloadKey);
    }

    /// <summary>Writes the header and payload nonce for the recipients, and returns the stream for the plaintext.</summary>
    public static AgeEncryptingStream Create(Stream destination, IReadOnlyList<IAgeRecipient> recipients, bool leaveOpen = false)
    {
        var (header, payloadKey) = Prepare(recipients);
        destination.Write(header);
        return new AgeEncryptingStream(destination, payloadKey, leaveOpen);
    }

    public static async Task<AgeEncryptingStream> CreateAsync(Stream destination, IReadOnlyList<IAgeRecipient> recipients,
        bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        var (header, payloadKey) = Prepare(recipients);
        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        return new AgeEncryptingStream(destination, payloadKey, leaveOpen);
    }

    static (byte[] Header, byte[] PayloadKey) Prepare(IReadOnlyList<IAgeRecipient> recipients)
    {
        CheckRecipients(recipients);
        var fileKey = RandomNumberGenerator.GetBytes(16);
        try
        {
            var header = AgeHeader.Encode(recipients.Select(r => r.Wrap(fileKey)).ToList(), fileKey);
            var nonce = RandomNumberGenerator.GetBytes(AgePayload.NonceSize);
            return ([.. header, .. nonce], AgePayload.DeriveKey(fileKey, nonce));
        }
        finally { CryptographicOperations.ZeroMemory(fileKey); }
    }

    internal static void CheckRecipients(IReadOnlyList<IAgeRecipient> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
            throw new AgeKeyException(JameyErrors.AgeNoRecipients, "An age file needs at least one recipient or a passphrase.", null);
        if (recipients.Count > 1 && recipients.Any(r => r is ScryptRecipient))
            throw new AgeKeyException(JameyErrors.AgeScryptNotAlone,
                "A passphrase cannot be combined with other recipients in one age file (age requires the scrypt stanza to be the only one).", null);
    }

    /// <summary>Plaintext bytes written so far.</summary>
    public long PlaintextLength => _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed && !_completed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            // A full chunk goes out only once more data follows: the last chunk must carry the last flag,
            // even when the plaintext is an exact multiple of 64 KiB.
            if (_plainCount == AgePayload.ChunkSize) _destination.Write(SealChunk(last: false).Span);
            var n = Math.Min(buffer.Length, AgePayload.ChunkSize - _plainCount);
            buffer[..n].CopyTo(_plain.AsSpan(_plainCount));
            _plainCount += n;
            _written += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            if (_plainCount == AgePayload.ChunkSize)
                await _destination.WriteAsync(SealChunk(last: false), cancellationToken).ConfigureAwait(false);
            var n = Math.Min(buffer.Length, AgePayload.ChunkSize - _plainCount);
            buffer.Span[..n].CopyTo(_plain.AsSpan(_plainCount));
            _plainCount += n;
            _written += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Writes the final chunk and flushes the destination. The file is whole only after this.</summary>
    public void Complete()
    {
        EnsureWritable();
        _destination.Write(SealChunk(last: true).Span);
        _completed = true;
        _destination.Flush();
    }

    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await _destination.WriteAsync(SealChunk(last: true), cancellationToken).ConfigureAwait(false);
        _completed = true;
        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    ReadOnlyMemory<byte> SealChunk(bool last)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(nonce, _counter++, last);
        var n = _plainCount;
        _aead.Encrypt(nonce, _plain.AsSpan(0, n), _cipher.AsSpan(0, n), _cipher.AsSpan(n, AgePayload.TagSize));
        _plainCount = 0;
        return _cipher.AsMemory(0, n + AgePayload.TagSize);
    }

    void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException("The age file is already complete.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen) _destination.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen) await _destination.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}
