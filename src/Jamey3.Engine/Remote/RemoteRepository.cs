using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// A remote repository (docs/remote-format.md) in an <see cref="IObjectStore"/>, sealed by an <see cref="IObjectCodec"/>:
/// its config, its backups' manifests and indexes, its objects' keys and the copy leases. Listing and reading validate
/// everything they return; the copy (<see cref="RemoteCopier"/>), the remote readers and retention build on these calls.
/// The repository does not own the store: dispose the store yourself.
/// </summary>
public sealed class RemoteRepository
{
    RemoteRepository(IObjectStore store, IObjectCodec codec, RemoteConfig config)
    {
        Store = store; Codec = codec; Config = config;
    }

    public IObjectStore Store { get; }
    public IObjectCodec Codec { get; }
    public RemoteConfig Config { get; }
    public StoreLocation Location => Store.Location;

    /// <summary>Opens an existing repository: reads its config and checks the codec matches it.</summary>
    /// <exception cref="RemoteRepositoryNotFoundException">There is no config at the location.</exception>
    /// <exception cref="RemoteConfigException">The config is damaged, of a newer format, or of another scheme.</exception>
    public static async Task<RemoteRepository> OpenAsync(IObjectStore store, IObjectCodec codec, CancellationToken ct = default)
    {
        var config = await ReadConfigAsync(store, ct).ConfigureAwait(false) ?? throw new RemoteRepositoryNotFoundException(store.Location);
        config.EnsureCompatible(codec, store.Location);
        return new RemoteRepository(store, codec, config);
    }

    /// <summary>
    /// Opens the repository, creating the container or folder and writing <paramref name="newConfig"/> (create-only)
    /// when there is none. When another host won that race, its config is read and must be compatible.
    /// </summary>
    public static async Task<RemoteRepository> OpenOrCreateAsync(IObjectStore store, IObjectCodec codec, Func<RemoteConfig>? newConfig = null,
        CancellationToken ct = default)
    {
        await store.EnsureExistsAsync(create: true, ct).ConfigureAwait(false);
        var config = await ReadConfigAsync(store, ct).ConfigureAwait(false);
        if (config is null)
        {
            var fresh = newConfig?.Invoke() ?? RemoteConfig.New(codec, DateTimeOffset.UtcNow);
            var bytes = fresh.ToJson();
            try
            {
                await store.WriteAsync(RemoteLayout.ConfigKey, new MemoryStream(bytes), new ObjectWrite(RemoteIndex.Sha256Of(bytes)), ct).ConfigureAwait(false);
                config = fresh;
            }
            catch (ObjectAlreadyExistsException)
            {
                config = await ReadConfigAsync(store, ct).ConfigureAwait(false) ?? throw new RemoteRepositoryNotFoundException(store.Location);
            }
        }
        config.EnsureCompatible(codec, store.Location);
        return new RemoteRepository(store, codec, config);
    }

    /// <summary>The location's config, or null when it has none (not a repository yet).</summary>
    public static async Task<RemoteConfig?> ReadConfigAsync(IObjectStore store, CancellationToken ct = default)
    {
        byte[] bytes;
        try { bytes = await ReadAllAsync(store, RemoteLayout.ConfigKey, ct).ConfigureAwait(false); }
        catch (ObjectNotFoundException) { return null; }
        catch (ObjectStoreNotFoundException) { return null; }
        return RemoteConfig.Parse(bytes, store.Location);
    }

    /// <summary>The key of object <paramref name="name"/>: <c>data/&lt;n2&gt;/&lt;name&gt;</c>.</summary>
    public static string ObjectKey(string name) => RemoteLayout.ObjectKey(name);

    /// <summary>How a backup's manifest is named in messages and in <see cref="JameyBackup.Path"/>: location/manifests/id.</summary>
    public string ManifestSource(string backupId) => $"{Location}/{RemoteLayout.ManifestKey(backupId)}";

    /// <summary>The ids of the published backups (keys under <c>manifests/</c>), in the store's order; nothing is read.</summary>
    public async IAsyncEnumerable<string> ListBackupIdsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var o in Store.ListAsync(RemoteLayout.ManifestsPrefix, ct).ConfigureAwait(false))
            if (RemoteLayout.BackupIdFromKey(o.Key, RemoteLayout.ManifestsPrefix) is { } id) yield return id;
    }

    /// <summary>
    /// Every published backup, streaming: each manifest is read and validated as the listing reaches it. One that fails
    /// (damaged, a replay, unreadable) is listed as Damaged with the reason; one bad manifest never fails the listing.
    /// </summary>
    public async IAsyncEnumerable<JameyBackup> ListBackupsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var id in ListBackupIdsAsync(ct).ConfigureAwait(false))
        {
            // A host without the private key lists from the authenticated indexes (encryption).
            if (!Codec.CanOpen) { yield return await WriteOnlyRemote.ListedAsync(this, id, ct).ConfigureAwait(false); continue; }
            JameyBackup b;
            try
            {
                var m = await ReadManifestAsync(id, ct).ConfigureAwait(false);
                b = ToBackup(m);
            }
            // Damage of this one backup (its manifest or index, or an envelope that does not open), never the store failing.
            catch (JameyException e) when (e is RemoteManifestException or BackupNotFoundException || (e is not ObjectStoreException && e.Kind == JameyErrors.InvalidManifest.Kind))
            {
                b = new JameyBackup
                {
                    BackupId = id,
                    Timestamp = BackupRepository.TimeFromId(id) ?? default,
                    Path = ManifestSource(id),
                    RepositoryPath = Location.ToString(),
                    Status = BackupStatus.Damaged,
                    Problem = e is RemoteManifestException r ? r.Reason : e.Message,
                };
            }
            yield return b;
        }
    }

    /// <summary>The listing object for a validated manifest.</summary>
    public JameyBackup ToBackup(RemoteManifest m)
    {
        var b = BackupRepository.FromManifest(m.Manifest, ManifestSource(m.BackupId), Location.ToString());
        b.InFuture = m.Manifest.CreatedAt > DateTimeOffset.UtcNow + BackupRepository.FutureTolerance;
        return b;
    }

    /// <summary>Reads, opens (codec) and validates <c>manifests/&lt;id&gt;</c>; a replay or any invalid content throws <see cref="RemoteManifestException"/>.</summary>
    /// <exception cref="BackupNotFoundException">No manifest under that id.</exception>
    public async Task<RemoteManifest> ReadManifestAsync(string backupId, CancellationToken ct = default)
    {
        if (!Manifest.IsSafeBackupId(backupId) || backupId.StartsWith('.')) throw new BackupNotFoundException(backupId, Location.ToString());
        var key = RemoteLayout.ManifestKey(backupId);
        byte[] sealedBytes;
        try { sealedBytes = await ReadAllAsync(Store, key, ct).ConfigureAwait(false); }
        catch (ObjectNotFoundException) { throw new BackupNotFoundException(backupId, Location.ToString()); }
        byte[] plain;
        await using (var opened = Codec.Open(new MemoryStream(sealedBytes), ManifestSource(backupId)))
            plain = await ReadBoundedAsync(opened, ManifestSource(backupId), ct).ConfigureAwait(false);
        return RemoteManifest.Parse(plain, ManifestSource(backupId), backupId, Codec);
    }

    /// <summary>
    /// Reads and validates <c>indexes/&lt;id&gt;</c>. With <paramref name="expectedSha256"/> (a manifest's indexSha256)
    /// the exact bytes must hash to it; without it, the codec's tag is what authenticates the index (none in a plain repository).
    /// </summary>
    public async Task<RemoteIndex> ReadIndexAsync(string backupId, string? expectedSha256 = null, CancellationToken ct = default)
    {
        var key = RemoteLayout.IndexKey(backupId);
        var source = $"{Location}/{key}";
        byte[] bytes;
        try { bytes = await ReadAllAsync(Store, key, ct).ConfigureAwait(false); }
        catch (ObjectNotFoundException) { throw new RemoteManifestException(source, "the backup's index is missing"); }
        if (expectedSha256 is not null && !string.Equals(RemoteIndex.Sha256Of(bytes), expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new RemoteManifestException(source, "the index does not match the SHA-256 its manifest records (it was changed or replaced)");
        return RemoteIndex.Parse(bytes, source, backupId, Codec);
    }

    /// <summary>The raw index bytes, or null when there is none.</summary>
    internal async Task<byte[]?> TryReadIndexBytesAsync(string backupId, CancellationToken ct)
    {
        try { return await ReadAllAsync(Store, RemoteLayout.IndexKey(backupId), ct).ConfigureAwait(false); }
        catch (ObjectNotFoundException) { return null; }
    }

    /// <summary>Every object name under <c>data/</c> with its stored size (one listing, streaming).</summary>
    public async Task<Dictionary<string, long>> ListObjectsAsync(CancellationToken ct = default)
    {
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var o in Store.ListAsync(RemoteLayout.DataPrefix, ct).ConfigureAwait(false))
            if (RemoteLayout.NameFromObjectKey(o.Key) is { } name) names[name] = o.Size;
        return names;
    }

    /// <summary>Opens an object's stored (sealed) bytes; <see cref="ObjectNotFoundException"/> when it is gone.</summary>
    public Task<Stream> OpenObjectAsync(string name, CancellationToken ct = default) => Store.OpenReadAsync(ObjectKey(name), null, ct);

    /// <summary>Writes a new copy lease (create-only).</summary>
    public Task WriteLeaseAsync(RemoteLease lease, CancellationToken ct = default) => PutAsync(RemoteLayout.LeaseKey(lease.CopyId), lease.ToJson(), createOnly: true, ct);

    /// <summary>Replaces a lease with a later expiry (the only lease write that replaces).</summary>
    public Task RenewLeaseAsync(RemoteLease lease, CancellationToken ct = default) => PutAsync(RemoteLayout.LeaseKey(lease.CopyId), lease.ToJson(), createOnly: false, ct);

    public Task DeleteLeaseAsync(string copyId, CancellationToken ct = default) => Store.DeleteAsync(RemoteLayout.LeaseKey(copyId), ct);

    /// <summary>Every copy lease (unreadable ones are skipped; their keys are still in the store for retention to see).</summary>
    public async IAsyncEnumerable<RemoteLease> ListLeasesAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var o in Store.ListAsync(RemoteLayout.CopyLeasePrefix, ct).ConfigureAwait(false))
        {
            byte[] bytes;
            try { bytes = await ReadAllAsync(Store, o.Key, ct).ConfigureAwait(false); }
            catch (ObjectNotFoundException) { continue; }
            if (RemoteLease.TryParse(bytes) is { } lease) yield return lease;
        }
    }

    /// <summary>Keys under <c>gc/</c> that end with <paramref name="suffix"/> (<see cref="RemoteLayout.DeletingSuffix"/>, <see cref="RemoteLayout.MarksSuffix"/>).</summary>
    public async Task<List<string>> ListGcRecordsAsync(string suffix, CancellationToken ct = default)
    {
        var keys = new List<string>();
        await foreach (var o in Store.ListAsync(RemoteLayout.GcPrefix, ct).ConfigureAwait(false))
            if (o.Key.EndsWith(suffix, StringComparison.Ordinal)) keys.Add(o.Key);
        return keys;
    }

    internal async Task PutAsync(string key, byte[] bytes, bool createOnly, CancellationToken ct) =>
        await Store.WriteAsync(key, new MemoryStream(bytes, writable: false), new ObjectWrite(RemoteIndex.Sha256Of(bytes), createOnly), ct).ConfigureAwait(false);

    /// <summary>Seals a small document (a manifest) with the codec.</summary>
    internal async Task<byte[]> SealAsync(byte[] plain, CancellationToken ct)
    {
        using var output = new MemoryStream();
        await Codec.SealAsync(new MemoryStream(plain, writable: false), output, ct).ConfigureAwait(false);
        return output.ToArray();
    }

    internal static async Task<byte[]> ReadAllAsync(IObjectStore store, string key, CancellationToken ct)
    {
        await using var s = await store.OpenReadAsync(key, null, ct).ConfigureAwait(false);
        return await ReadBoundedAsync(s, $"{store.Location}/{key}", ct).ConfigureAwait(false);
    }

    static async Task<byte[]> ReadBoundedAsync(Stream s, string source, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = await s.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > RemoteJson.MaxDocumentBytes)
                throw new RemoteManifestException(source, $"it is larger than {RemoteJson.MaxDocumentBytes >> 20} MiB, far more than any manifest");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    internal static string Sha256Hex(Stream s) => Convert.ToHexStringLower(SHA256.HashData(s));
}
