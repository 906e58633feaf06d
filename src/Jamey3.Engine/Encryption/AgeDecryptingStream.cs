using Jamey3.Engine.Errors;
using System.Security.Cryptography;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// A read-only stream of the plaintext of an age file, decrypted one 64 KiB chunk at a time (memory
/// stays at one chunk). Each chunk is returned only after it authenticated, but a later chunk can still
/// fail: a caller that must not keep partial output (a restore) writes to a staging place and keeps it
/// only after the stream reached its end without an exception.
/// </summary>
public sealed class AgeDecryptingStream : Stream
{
    readonly Stream _source;
    readonly bool _leaveOpen;
    readonly string _name;
    readonly long _payloadOffset;
    readonly ChaCha20Poly1305 _aead;
    // One encrypted chunk plus one byte of look-ahead: a full chunk is the last one only if nothing follows it.
    readonly byte[] _cipher = new byte[AgePayload.EncryptedChunkSize + 1];
    readonly byte[] _plain = new byte[AgePayload.ChunkSize];
    int _cipherCount;
    int _plainOffset;
    int _plainCount;
    long _counter;
    long _read;
    bool _finished;
    bool _sourceDone;
    bool _disposed;

    AgeDecryptingStream(Stream source, bool leaveOpen, string name, long payloadOffset, byte[] payloadKey, byte[] pending)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _name = name;
        _payloadOffset = payloadOffset;
        _aead = new ChaCha20Poly1305(payloadKey);
        CryptographicOperations.ZeroMemory(payloadKey);
        // What the header reader read past the header: under 4 KiB, as it reads in 4 KiB blocks.
        if (pending.Length > _cipher.Length) throw new InvalidOperationException("The header reader read too far ahead.");
        pending.CopyTo(_cipher, 0);
        _cipherCount = pending.Length;
    }

    /// <summary>
    /// Reads and checks the header (the first identity that unwraps the file key wins, then the header MAC),
    /// and returns the stream of plaintext. <paramref name="name"/> names the file in errors.
    /// </summary>
    public static AgeDecryptingStream Open(Stream source, IReadOnlyList<IAgeIdentity> identities, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(identities);
        var header = AgeHeader.Read(source, name, out var leftover, out var headerLength);
        var fileKey = UnwrapFileKey(header, identities, name);
        try { return OpenPayload(source, leaveOpen, name, header, headerLength, fileKey, leftover); }
        finally { CryptographicOperations.ZeroMemory(fileKey); }
    }

    /// <summary>As <see cref="Open"/>, reading the header and nonce asynchronously (for network streams).</summary>
    public static async Task<AgeDecryptingStream> OpenAsync(Stream source, IReadOnlyList<IAgeIdentity> identities, string name,
        bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(identities);
        var (header, leftover, headerLength) = await AgeHeader.ReadAsync(source, name, cancellationToken).ConfigureAwait(false);
        if (leftover.Length < AgePayload.NonceSize)
        {
            // Fetch the rest of the nonce now, so that OpenPayload's synchronous read finds it in memory.
            var more = new byte[AgePayload.NonceSize - leftover.Length];
            var have = 0;
            while (have < more.Length)
            {
                var n = await source.ReadAsync(more.AsMemory(have), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                have += n;
            }
            leftover = [.. leftover, .. more.AsSpan(0, have)];
        }
        var fileKey = UnwrapFileKey(header, identities, name);
        try
        {
            if (leftover.Length < AgePayload.NonceSize)
            {
                if (!CryptographicOperations.FixedTimeEquals(AgeHeader.ComputeMac(fileKey, header.MacInput), header.Mac)) throw new AgeHeaderMacException(name);
                throw new AgePayloadException(JameyErrors.AgePayloadTruncated, name, "it ends before the payload nonce.", -1, headerLength + leftover.Length);
            }
            return OpenPayload(source, leaveOpen, name, header, headerLength, fileKey, leftover);
        }
        finally { CryptographicOperations.ZeroMemory(fileKey); }
    }

    /// <summary>Checks the header MAC under the file key, reads the nonce and returns the payload reader.</summary>
    internal static AgeDecryptingStream OpenPayload(Stream source, bool leaveOpen, string name, AgeHeader header, long headerLength, byte[] fileKey, byte[] leftover)
    {
        var expected = AgeHeader.ComputeMac(fileKey, header.MacInput);
        if (!CryptographicOperations.FixedTimeEquals(expected, header.Mac)) throw new AgeHeaderMacException(name);
        // The nonce may lie partly in what the header reader read ahead, partly still in the stream.
        var nonce = new byte[AgePayload.NonceSize];
        var have = Math.Min(leftover.Length, nonce.Length);
        leftover.AsSpan(0, have).CopyTo(nonce);
        while (have < nonce.Length)
        {
            var n = source.Read(nonce, have, nonce.Length - have);
            if (n == 0) throw new AgePayloadException(JameyErrors.AgePayloadTruncated, name, "it ends before the payload nonce.", -1, headerLength + have);
            have += n;
        }
        var pending = leftover.Length > nonce.Length ? leftover[nonce.Length..] : [];
        return new AgeDecryptingStream(source, leaveOpen, name, headerLength + nonce.Length, AgePayload.DeriveKey(fileKey, nonce), pending);
    }

    internal static byte[] UnwrapFileKey(AgeHeader header, IReadOnlyList<IAgeIdentity> identities, string name)
    {
        if (header.Stanzas.Count > 1 && header.Stanzas.Any(s => s.Type == ScryptPassphrase.StanzaType))
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, name, "an scrypt stanza must be the only stanza in the header.");
        foreach (var identity in identities)
        {
            foreach (var stanza in header.Stanzas)
            {
                var fileKey = identity.Unwrap(stanza, name);
                if (fileKey is not null) return fileKey;
            }
        }
        throw new AgeNoIdentityMatchesException(name, header.Stanzas.Select(s => s.Type).ToList(), identities.Select(i => i.Kind).ToList());
    }

    /// <summary>Plaintext bytes returned so far.</summary>
    public long PlaintextPosition => _read;

    /// <summary>True once the final chunk has authenticated and been read out: the plaintext is whole.</summary>
    public bool IsComplete => _finished && _plainOffset == _plainCount;

    public override bool CanRead => !_disposed;
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        while (_plainOffset == _plainCount)
        {
            if (_finished) return 0;
            while (!_sourceDone && _cipherCount < _cipher.Length)
            {
                var n = _source.Read(_cipher, _cipherCount, _cipher.Length - _cipherCount);
                if (n == 0) _sourceDone = true;
                _cipherCount += n;
            }
            OpenChunk();
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        while (_plainOffset == _plainCount)
        {
            if (_finished) return 0;
            while (!_sourceDone && _cipherCount < _cipher.Length)
            {
                var n = await _source.ReadAsync(_cipher.AsMemory(_cipherCount), cancellationToken).ConfigureAwait(false);
                if (n == 0) _sourceDone = true;
                _cipherCount += n;
            }
            OpenChunk();
        }
        return CopyOut(buffer.Span);
    }

    int CopyOut(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainCount - _plainOffset);
        _plain.AsSpan(_plainOffset, n).CopyTo(buffer);
        _plainOffset += n;
        _read += n;
        return n;
    }

    /// <summary>Decrypts the chunk at the start of the buffer (full, or what is left at end of stream).</summary>
    void OpenChunk()
    {
        var index = _counter;
        var at = _payloadOffset + index * AgePayload.EncryptedChunkSize;
        var where = $"chunk {index} (file offset {at}, plaintext offset {index * (long)AgePayload.ChunkSize})";
        if (_cipherCount == _cipher.Length)
        {
            // A full chunk with more data after it: it must be a middle chunk.
            if (TryOpen(AgePayload.EncryptedChunkSize, last: false)) { Shift(AgePayload.EncryptedChunkSize); return; }
            if (TryOpen(AgePayload.EncryptedChunkSize, last: true))
                throw new AgePayloadException(JameyErrors.AgeTrailingData, _name,
                    $"data follows its final chunk, {where}; something was appended to the file.", index, at + AgePayload.EncryptedChunkSize);
            throw Changed(where, index, at);
        }
        var size = _cipherCount;
        if (size == 0)
            throw new AgePayloadException(JameyErrors.AgePayloadTruncated, _name,
                index == 0 ? "it has no payload chunks after the header." : $"it ends after chunk {index - 1} without a final chunk; the file was cut short at file offset {at}.", index, at);
        if (size < AgePayload.TagSize)
            throw new AgePayloadException(JameyErrors.AgePayloadTruncated, _name, $"{where} is shorter than its 16-byte tag; the file was cut short.", index, at);
        if (TryOpen(size, last: true))
        {
            if (_plainCount == 0 && index > 0)
                throw new AgePayloadException(JameyErrors.AgePayloadInvalid, _name, $"{where} is an empty final chunk, which age never writes after other chunks.", index, at);
            _cipherCount = 0;
            _finished = true;
            return;
        }
        if (size == AgePayload.EncryptedChunkSize && TryOpen(size, last: false))
            throw new AgePayloadException(JameyErrors.AgePayloadTruncated, _name,
                $"it ends after chunk {index} without a final chunk; the file was cut short at file offset {at + size}.", index, at + size);
        throw Changed(where, index, at);
    }

    AgePayloadException Changed(string where, long index, long at) =>
        new(JameyErrors.AgeChunkAuthenticationFailed, _name,
            $"{where} failed authentication: it was changed, moved, or the file was cut short or appended to.", index, at);

    bool TryOpen(int size, bool last)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(nonce, _counter, last);
        var plainSize = size - AgePayload.TagSize;
        try
        {
            _aead.Decrypt(nonce, _cipher.AsSpan(0, plainSize), _cipher.AsSpan(plainSize, AgePayload.TagSize), _plain.AsSpan(0, plainSize));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        _plainOffset = 0;
        _plainCount = plainSize;
        _counter++;
        return true;
    }

    void Shift(int consumed)
    {
        Buffer.BlockCopy(_cipher, consumed, _cipher, 0, _cipherCount - consumed);
        _cipherCount -= consumed;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen) _source.Dispose();
        }
        base.Dispose(disposing);
    }
}
