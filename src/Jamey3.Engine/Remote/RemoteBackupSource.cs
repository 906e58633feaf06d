using System.Runtime.CompilerServices;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Remote;

/// <summary>
/// A remote repository opened for reading (Get-, Test- and Restore-JameyBackup with a URL): the store, its config and
/// the codec it calls for. Nothing is ever written through it. Owns the store: dispose it when done.
/// </summary>
public sealed class RemoteBackupSource : IAsyncDisposable, IDisposable
{
    RemoteBackupSource(IObjectStore store, RemoteRepository repository)
    {
        Store = store;
        Repository = repository;
    }

    public IObjectStore Store { get; }
    public RemoteRepository Repository { get; }
    public StoreLocation Location => Store.Location;

    /// <summary>
    /// Opens the repository at <paramref name="location"/>: its config must exist (RemoteRepositoryNotFound) and be of a
    /// scheme this host can read (RemoteSchemeMismatch, e.g. encrypted without keys). Credentials come from
    /// <paramref name="options"/> or where each SDK looks by itself; they are never part of a message.
    /// </summary>
    public static async Task<RemoteBackupSource> OpenAsync(StoreLocation location, ObjectStoreOptions? options = null,
        RemoteKeyMaterial? keys = null, CancellationToken ct = default)
    {
        var store = ObjectStores.Open(location, options);
        try
        {
            var config = await RemoteRepository.ReadConfigAsync(store, ct).ConfigureAwait(false)
                ?? throw new RemoteRepositoryNotFoundException(store.Location);
            var codec = RemoteCodecs.Select(config, keys, store.Location);
            var repository = await RemoteRepository.OpenAsync(store, codec, ct).ConfigureAwait(false);
            return new RemoteBackupSource(store, repository);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Every published backup, streaming, ranked as they come from the store (ids are times, so the store's lexical order is time order); damaged ones listed as Damaged with the reason.</summary>
    public IAsyncEnumerable<JameyBackup> ListAsync(CancellationToken ct = default) => Repository.ListBackupsAsync(ct);

    /// <summary>
    /// Every published backup, newest first (ids are snapshot times): the keys under <c>manifests/</c> are listed first
    /// (names only), then each manifest is read and validated as the caller reaches it.
    /// </summary>
    public async IAsyncEnumerable<JameyBackup> ListNewestFirstAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var ids = new List<string>();
        await foreach (var id in Repository.ListBackupIdsAsync(ct).ConfigureAwait(false)) ids.Add(id);
        foreach (var id in ids.OrderByDescending(i => BackupRepository.TimeFromId(i) ?? DateTimeOffset.MinValue).ThenByDescending(i => i, StringComparer.Ordinal))
        {
            // A host without the private key lists from the authenticated indexes (encryption).
            if (!Repository.Codec.CanOpen) { yield return await WriteOnlyRemote.ListedAsync(Repository, id, ct).ConfigureAwait(false); continue; }
            JameyBackup b;
            try { b = Repository.ToBackup(await Repository.ReadManifestAsync(id, ct).ConfigureAwait(false)); }
            catch (Errors.JameyException e) when (Errors.JameyKinds.IsInvalidDataOrNotFound(e) && e is not ObjectStoreNotFoundException)
            {
                b = new JameyBackup
                {
                    BackupId = id, Timestamp = BackupRepository.TimeFromId(id) ?? default, Path = Repository.ManifestSource(id),
                    RepositoryPath = Location.ToString(), Status = BackupStatus.Damaged, Problem = e is RemoteManifestException r ? r.Reason : e.Message,
                };
            }
            yield return b;
        }
    }

    /// <summary>
    /// Opens one backup for verification or restore: its manifest (validated: format, id equal to its key, safe paths,
    /// objects named after their content) and its index (exact bytes hashing to the manifest's indexSha256, and listing
    /// exactly the manifest's objects). Throws BackupNotFound or InvalidManifest (tampered, replayed); reads no object.
    /// </summary>
    public async Task<(BackupContent Content, RemoteManifest Manifest, RemoteIndex Index)> OpenBackupAsync(string backupId, CancellationToken ct = default)
    {
        var manifest = await Repository.ReadManifestAsync(backupId, ct).ConfigureAwait(false);
        var index = await Repository.ReadIndexAsync(backupId, manifest.IndexSha256, ct).ConfigureAwait(false);
        var implied = manifest.ToIndex().Objects;
        if (implied.Count != index.Objects.Count || !implied.ToHashSet().SetEquals(index.Objects))
            throw new RemoteManifestException(Repository.ManifestSource(backupId), "its index lists other objects than the manifest uses");
        var parts = new RemoteStoredParts(Repository, manifest);
        return (BackupContent.Open(parts, manifest.Manifest), manifest, index);
    }

    /// <summary>
    /// Restores backup <c>request.BackupId</c> straight from this repository through the same verified, staged, journaled
    /// swap as a local restore (<see cref="Restore.RestoreEngine.Run(Restore.RestoreRequest, BackupContent, CancellationToken)"/>).
    /// A tampered or replayed manifest is refused before anything is written; a damaged object fails the staged check and
    /// leaves the destination as it was. No run history is recorded (there is no local repository).
    /// </summary>
    public JameyRestoreResult Restore(Restore.RestoreRequest request, IOperationObserver? observer = null, CancellationToken ct = default)
    {
        var (content, _, _) = Wait(OpenBackupAsync(request.BackupId, ct));
        return new Restore.RestoreEngine(observer).Run(request with { RepositoryPath = Location.ToString() }, content, ct);
    }

    /// <summary>What <see cref="Restore"/> would do (for -WhatIf); reads the manifest and stats the objects, changes nothing.</summary>
    public JameyRestorePlan PlanRestore(Restore.RestoreRequest request, CancellationToken ct = default)
    {
        var (content, _, _) = Wait(OpenBackupAsync(request.BackupId, ct));
        return new Restore.RestoreEngine().Plan(request with { RepositoryPath = Location.ToString() }, content, ct);
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();

    public void Dispose() => Store.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Runs async remote work from the engine's synchronous callers (they run on a worker thread, never a UI or pipeline context).</summary>
    public static T Wait<T>(Task<T> task) => task.ConfigureAwait(false).GetAwaiter().GetResult();

    /// <summary>A streaming listing as a blocking enumerable, for callers that write each item as it comes.</summary>
    public static IEnumerable<T> Blocking<T>(IAsyncEnumerable<T> items, CancellationToken ct = default)
    {
        var e = items.GetAsyncEnumerator(ct);
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield return e.Current;
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
