using System.Security.Cryptography;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Remote;

/// <summary>
/// The stored parts of a backup in a remote repository: each part is one object <c>data/&lt;n2&gt;/&lt;name&gt;</c>
/// (docs/remote-format.md). Presence is the object's existence at its stored size (a stat, remembered); reading checks the
/// object's stored SHA-256 and size as the bytes pass, opens the envelope through the codec, and checks the content's
/// SHA-256 (which is what the object's name was made from) and size. Any mismatch is an InvalidDataException naming the
/// object's key, so a problem report says which object at the destination is damaged.
/// </summary>
public sealed class RemoteStoredParts : IStoredParts
{
    readonly RemoteRepository _repository;
    readonly Dictionary<string, RemoteStoredPart> _byStored = new(StringComparer.Ordinal);
    readonly Dictionary<string, long?> _sizes = new(StringComparer.Ordinal);
    readonly Lock _lock = new();

    /// <param name="repository">The repository the manifest was read from.</param>
    /// <param name="manifest">A validated manifest (<see cref="RemoteRepository.ReadManifestAsync"/>).</param>
    /// <param name="present">Object names and sizes from a listing of <c>data/</c>, when the caller has one; otherwise each object is stat'ed once.</param>
    public RemoteStoredParts(RemoteRepository repository, RemoteManifest manifest, IReadOnlyDictionary<string, long>? present = null)
    {
        _repository = repository;
        Manifest = manifest;
        foreach (var p in manifest.StoredParts())
            _byStored[p.File.Chunks is null ? p.File.Stored : p.File.Chunks[p.Index].Stored] = p;
        if (present is not null)
            foreach (var p in _byStored.Values)
                _sizes[p.Object.Name] = present.TryGetValue(p.Object.Name, out var size) ? size : null;
    }

    public RemoteManifest Manifest { get; }

    public string Description => _repository.ManifestSource(Manifest.BackupId);

    /// <summary>The key of a stored part's object at the destination.</summary>
    public string KeyOf(Manifest.StoredPart part) => RemoteLayout.ObjectKey(Lookup(part).Object.Name);

    public RemoteStoredPart Lookup(Manifest.StoredPart part) =>
        _byStored.TryGetValue(part.Stored, out var p) ? p
            : throw new UnsafeBackupPathException(part.Stored, "is not a stored part of the remote manifest");

    public string? Presence(Manifest.StoredPart part)
    {
        var p = Lookup(part);
        var key = RemoteLayout.ObjectKey(p.Object.Name);
        long? size;
        lock (_lock)
        {
            if (!_sizes.TryGetValue(p.Object.Name, out size))
            {
                size = _repository.Store.StatAsync(key).GetAwaiter().GetResult()?.Size;
                _sizes[p.Object.Name] = size;
            }
        }
        if (size is null) return $"is missing at the destination (object '{key}')";
        if (size != p.Object.StoredSize) return $"is {size} bytes at the destination (object '{key}'), the manifest says {p.Object.StoredSize}";
        return null;
    }

    public StoredBytes OpenStored(Manifest.StoredPart part, CancellationToken ct)
    {
        var p = Lookup(part);
        var key = RemoteLayout.ObjectKey(p.Object.Name);
        Stream raw;
        try { raw = _repository.OpenObjectAsync(p.Object.Name, ct).GetAwaiter().GetResult(); }
        catch (ObjectNotFoundException) { throw new InvalidDataException($"object '{key}' is missing at the destination"); }
        var checkedSealed = new VerifyingStream(raw, p.Object.StoredSize, p.Object.StoredSha256, $"object '{key}'", "stored");
        Stream plain;
        try { plain = _repository.Codec.Open(checkedSealed, $"{_repository.Location}/{key}"); }
        catch (Errors.JameyException e) when (Errors.JameyKinds.IsInvalidData(e))
        {
            checkedSealed.Dispose();
            throw new InvalidDataException($"object '{key}' could not be opened: {e.Message}", e);
        }
        // The plain stored bytes are what the local manifest describes; in a plain repository they are the object itself.
        return new StoredBytes(plain, part.StoredSize);
    }

    public Stream OpenContent(Manifest.StoredPart part, CancellationToken ct)
    {
        var p = Lookup(part);
        var stored = OpenStored(part, ct);
        return new VerifyingStream(ContentStore.OpenContent(stored.Stream, part.Compression), p.Size, p.ContentSha256,
            $"object '{RemoteLayout.ObjectKey(p.Object.Name)}'", "content");
    }
}

/// <summary>
/// Passes a stream's bytes on while hashing them; fails (InvalidDataException, naming <paramref name="what"/>) as soon as
/// more than <paramref name="length"/> bytes come, and at the end when fewer came or their SHA-256 is not
/// <paramref name="sha256"/>. So nothing a damaged object yields is accepted without its hash having been checked.
/// </summary>
public sealed class VerifyingStream(Stream inner, long length, string sha256, string what, string kind) : Stream
{
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    long _read;
    bool _checked;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        int n;
        // A damaged object's content fails in the decompressor first: say which object it is.
        try { n = inner.Read(buffer); }
        catch (ZstdSharp.ZstdException e) { throw new InvalidDataException($"{what} could not be decompressed ({e.Message})", e); }
        return Account(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    int Account(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            if (!_checked)
            {
                _checked = true;
                if (_read != length) throw new InvalidDataException($"{what} holds {_read} bytes of {kind} data, the manifest says {length}");
                if (!string.Equals(Convert.ToHexStringLower(_hash.GetHashAndReset()), sha256, StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException($"{what} does not match its {kind} SHA-256 (it was altered at the destination)");
            }
            return 0;
        }
        _read += data.Length;
        if (_read > length) throw new InvalidDataException($"{what} holds more than the {length} bytes of {kind} data the manifest says");
        _hash.AppendData(data);
        return data.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
