using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Remote;

/// <summary>
/// An encrypted remote repository (docs/encryption.md): objects are named <c>hex(HMAC-SHA-256(K_name, SHA-256 of the
/// content))</c>, every stored object and manifest is an age v1 file encrypted to the repository's recipients (a fresh
/// file key each, so equal content never gives equal ciphertext), and the plain index is sealed with
/// <c>HMAC-SHA-256(K_auth, bytes)</c>. Built by <see cref="RepositoryKeyring"/> from the destination's keys and the key
/// material a cmdlet was given.
/// </summary>
/// <remarks>
/// A write-only host (repository key and recipients, no identity) can name, seal and tag, so it copies, lists, applies
/// retention and runs the sampled check of stored hashes; <see cref="Open"/> then throws
/// <see cref="JameyErrors.RepositoryPrivateKeyMissing"/> naming the recipients whose private key is needed.
/// Opening authenticates every 64 KiB chunk before returning it and fails at the end on truncation; a swap of whole
/// objects (A's bytes under B's name) is caught by the reader recomputing <see cref="NameFor"/> from the decrypted
/// content (<see cref="CheckName"/>), which only a holder of K_name can make match.
/// </remarks>
public sealed class AgeObjectCodec : IObjectCodec, IDisposable
{
    readonly RepositoryKey _key;
    readonly IReadOnlyList<IAgeRecipient> _recipients;
    readonly IReadOnlyList<IAgeIdentity> _identities;
    readonly string _repository;

    /// <param name="key">The repository key (names and tags). The codec owns it and disposes it.</param>
    /// <param name="recipients">Whom new objects are encrypted to (at least one).</param>
    /// <param name="identities">Private keys that open objects; empty on a write-only host.</param>
    /// <param name="repository">The repository's location (no credential), for messages.</param>
    public AgeObjectCodec(RepositoryKey key, IReadOnlyList<X25519Recipient> recipients, IReadOnlyList<IAgeIdentity> identities, string repository)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (recipients is null || recipients.Count == 0)
            throw new AgeKeyException(JameyErrors.AgeNoRecipients, $"The encrypted repository '{repository}' has no recipients to encrypt to.", repository);
        _key = key;
        Recipients = recipients;
        _recipients = recipients.Cast<IAgeRecipient>().ToList();
        _identities = identities ?? [];
        _repository = repository;
    }

    public string Envelope => "age";
    public string ObjectNames => "hmac-sha256";
    public bool CanOpen => _identities.Count > 0;

    /// <summary>The public keys new objects are encrypted to.</summary>
    public IReadOnlyList<X25519Recipient> Recipients { get; }

    /// <summary>The id of a repository this codec was created for (its config takes it), or null for an existing one.</summary>
    public string? RepositoryId { get; init; }

    /// <summary>The repository key's public id (<see cref="RepositoryKey.KeyId"/>).</summary>
    public string KeyId => _key.KeyId;

    public string NameFor(string contentSha256) => _key.NameFor(contentSha256);

    public Task SealAsync(Stream plain, Stream output, CancellationToken cancellationToken) =>
        Age.EncryptAsync(plain, output, _recipients, cancellationToken);

    /// <summary>A fresh random file key per object: equal content never gives equal stored bytes.</summary>
    public bool SealIsDeterministic => false;

    /// <summary>
    /// The exact age file size for <paramref name="plainLength"/> plaintext bytes: the header (version line, one
    /// 98-byte X25519 stanza per recipient, MAC line), the 16-byte nonce, and 16 bytes of tag per 64 KiB chunk (at least one).
    /// </summary>
    public long? SealedLength(long plainLength)
    {
        const int versionLine = 22, stanza = 98, macLine = 48;
        var chunks = plainLength == 0 ? 1 : (plainLength + AgePayload.ChunkSize - 1) / AgePayload.ChunkSize;
        return versionLine + (long)stanza * Recipients.Count + macLine + AgePayload.NonceSize + plainLength + chunks * AgePayload.TagSize;
    }

    public Stream Open(Stream sealedBytes) => Open(sealedBytes, "a stored object");

    /// <summary>As <see cref="Open(Stream)"/>, naming the object (its key at the destination) in every error.</summary>
    public Stream Open(Stream sealedBytes, string name)
    {
        ArgumentNullException.ThrowIfNull(sealedBytes);
        if (!CanOpen) throw MissingKey(name);
        return new DeferredAgeStream(sealedBytes, _identities, name);
    }

    public string? TagFor(ReadOnlySpan<byte> plainObject) => _key.Tag(plainObject);

    /// <summary>True when <paramref name="tag"/> is this repository's tag of <paramref name="plainObject"/> (constant time).</summary>
    public bool VerifyTag(ReadOnlySpan<byte> plainObject, string? tag) => _key.VerifyTag(plainObject, tag);

    /// <summary>
    /// Throws <see cref="JameyErrors.ObjectNameMismatch"/> unless <paramref name="name"/> is the keyed name of content
    /// hashing to <paramref name="contentSha256"/>: catches an object stored under another object's name.
    /// </summary>
    public void CheckName(string name, string contentSha256)
    {
        if (!string.Equals(NameFor(contentSha256), name, StringComparison.OrdinalIgnoreCase))
            throw new JameyException(JameyErrors.ObjectNameMismatch,
                $"The object '{name}' in '{_repository}' decrypts to content that belongs under another name: it was swapped or forged at the destination; nothing of it is used.", name);
    }

    JameyException MissingKey(string name) => new(JameyErrors.RepositoryPrivateKeyMissing,
        $"The repository '{_repository}' is encrypted to {string.Join(", ", Recipients)}; reading {name} needs one of their private keys: "
        + "give -IdentityFile with an identity file holding one of them, or -Passphrase for a passphrase repository. "
        + "This host holds only the public keys (it can copy, list, apply retention and run the sampled check).", _repository);

    public void Dispose() => _key.Dispose();

    /// <summary>
    /// Reads and checks the age header on the first read (asynchronously when the first read is), so that opening
    /// never blocks on a store's response stream; returns only authenticated chunks from then on.
    /// </summary>
    sealed class DeferredAgeStream(Stream source, IReadOnlyList<IAgeIdentity> identities, string name) : Stream
    {
        AgeDecryptingStream? _inner;
        bool _disposed;

        public override bool CanRead => !_disposed;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _inner?.PlaintextPosition ?? 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _inner ??= AgeDecryptingStream.Open(source, identities, name, leaveOpen: false);
            return _inner.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _inner ??= await AgeDecryptingStream.OpenAsync(source, identities, name, leaveOpen: false, cancellationToken).ConfigureAwait(false);
            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                if (_inner is not null) _inner.Dispose();
                else source.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                if (_inner is not null) await _inner.DisposeAsync().ConfigureAwait(false);
                else await source.DisposeAsync().ConfigureAwait(false);
            }
            GC.SuppressFinalize(this);
        }
    }
}
