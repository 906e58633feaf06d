namespace Jamey3.Engine.Stores;

/// <summary>
/// A flat namespace of immutable objects: a local folder, an Azure Blob container, an S3 bucket or an
/// SFTP folder, under a prefix. The one thing the off-site format asks of a store (docs/remote-format.md):
/// list by prefix, read an object or a range of it, write an object only once and only whole, delete.
/// Every call is cancellable; failures are <see cref="ObjectStoreException"/>s that name the location and
/// the key, never a credential.
/// </summary>
/// <remarks>
/// Keys are relative, '/'-separated names (see <see cref="ObjectKey"/>). A store never returns a partial
/// object under a key: a write either leaves the complete, checked object or nothing a reader can see.
/// </remarks>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>Where the store is, with no credential in it (safe to log and to show).</summary>
    StoreLocation Location { get; }

    /// <summary>What this store guarantees; the format's writers decide from it how careful to be.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Every object whose key starts with <paramref name="prefix"/> ("" for all), as the store pages them:
    /// nothing is buffered beyond one page. The order is the store's (lexical on Azure and S3, unspecified elsewhere).
    /// </summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>The object's size and stamp, or null when there is none under <paramref name="key"/>.</summary>
    Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the object (or <paramref name="range"/> of it) for reading. Throws <see cref="ObjectNotFoundException"/>
    /// when it does not exist. The stream yields exactly the requested bytes or throws.
    /// </summary>
    Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="content"/> (read from its current position to its end) under <paramref name="key"/>.
    /// The bytes are hashed on the way and compared with <see cref="ObjectWrite.Sha256"/>, and the store's own
    /// integrity check (Content-MD5, ETag) is used where it has one; on any mismatch nothing is left under the key
    /// and <see cref="ObjectIntegrityException"/> is thrown. With <see cref="ObjectWrite.CreateOnly"/> (the default)
    /// an existing object is never replaced: <see cref="ObjectAlreadyExistsException"/>.
    /// </summary>
    Task<StoredObject> WriteAsync(string key, Stream content, ObjectWrite write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the object. Deleting a missing object is not an error (S3 cannot tell the two apart without
    /// another request, and a retried delete must succeed).
    /// </summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the folder, container or bucket exists and that the credential reaches it; creates it when
    /// <paramref name="create"/> is true. Throws <see cref="ObjectStoreNotFoundException"/> when it is missing.
    /// </summary>
    Task EnsureExistsAsync(bool create, CancellationToken cancellationToken = default);
}

/// <summary>One stored object as a listing or a stat sees it.</summary>
/// <param name="Key">The key relative to the store's prefix.</param>
/// <param name="Size">Bytes stored.</param>
/// <param name="LastModified">When the store last wrote it (UTC).</param>
/// <param name="ETag">The store's version stamp, when it has one (Azure, S3); null for a folder or SFTP.</param>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified, string? ETag = null);

/// <summary>A byte range: <paramref name="Offset"/> from the start, <paramref name="Length"/> bytes (null: to the end).</summary>
public readonly record struct ByteRange(long Offset, long? Length = null)
{
    public void Validate()
    {
        if (Offset < 0) throw new ArgumentOutOfRangeException(nameof(Offset), Offset, "A range starts at 0 or later.");
        if (Length is < 0) throw new ArgumentOutOfRangeException(nameof(Length), Length, "A range's length is 0 or more.");
    }
}

/// <summary>What the caller knows about an object it writes.</summary>
/// <param name="Sha256">Lower- or upper-case hex SHA-256 of exactly the bytes to store (for a content-addressed or,
/// later, encrypted object: of the stored bytes, envelope included).</param>
/// <param name="CreateOnly">Refuse to replace an existing object (content-addressed objects and manifests are written once).</param>
public sealed record ObjectWrite(string Sha256, bool CreateOnly = true);

/// <summary>Guarantees a store really gives, so callers never assume more.</summary>
/// <param name="AtomicCreateOnly">Create-if-absent is enforced by the store itself (two concurrent writers: one wins);
/// when false it is checked before the write, which a concurrent writer can race.</param>
/// <param name="ServerIntegrityCheck">The store verifies received bytes against a checksum we send (Content-MD5).</param>
/// <param name="Durable">A completed write survives a crash of the store's host (fsync, or the service's own guarantee).</param>
public sealed record StoreCapabilities(bool AtomicCreateOnly, bool ServerIntegrityCheck, bool Durable);
