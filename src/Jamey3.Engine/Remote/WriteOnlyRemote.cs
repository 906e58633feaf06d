using System.Diagnostics;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// What a host holding only the public recipients and the repository key (docs/encryption.md, "What a public-key-only
/// host can do") does where a key holder reads manifests: it lists backups and checks a sample of stored objects from
/// the plain indexes, each authenticated with the repository's tag (so the store cannot change what the host sees).
/// It never sees paths, content hashes or content.
/// </summary>
public static class WriteOnlyRemote
{
    const string Activity = "Verifying Jamey backup";

    /// <summary>A published backup as the write-only host lists it: id, time, object count and stored size from its index.</summary>
    public static async Task<JameyBackup> ListedAsync(RemoteRepository repository, string backupId, CancellationToken ct)
    {
        var path = repository.ManifestSource(backupId);
        try
        {
            var index = await repository.ReadIndexAsync(backupId, null, ct).ConfigureAwait(false);
            return new JameyBackup
            {
                BackupId = backupId,
                Timestamp = index.CreatedAt,
                Path = path,
                RepositoryPath = repository.Location.ToString(),
                Status = BackupStatus.Complete,
                FileCount = index.Objects.Count,
                StoredSize = index.Objects.Sum(o => o.StoredSize),
                Warning = "Encrypted: this host holds no private key, so the listing comes from the backup's authenticated index (no components, paths or counts).",
            };
        }
        catch (JameyException e) when (JameyKinds.IsInvalidDataOrNotFound(e) && e is not ObjectStoreNotFoundException)
        {
            return new JameyBackup
            {
                BackupId = backupId,
                Timestamp = BackupRepository.TimeFromId(backupId) ?? default,
                Path = path,
                RepositoryPath = repository.Location.ToString(),
                Status = BackupStatus.Damaged,
                Problem = e is RemoteManifestException r ? r.Reason : e.Message,
            };
        }
    }

    /// <summary>
    /// The sampled check without a private key: the index (tag verified), every object's presence and size in one
    /// listing of <c>data/</c>, and for the sample the stored bytes against the index's SHA-256 and a well-formed age
    /// header. Deletion, alteration, truncation and whole-object swaps are all caught (each changes the stored hash).
    /// A full check needs the private key and says so.
    /// </summary>
    public static JameyBackupTestResult Verify(RemoteBackupSource source, string backupId, VerificationMode mode, RemoteSample? sample,
        IOperationObserver observer, CancellationToken ct)
    {
        var repo = source.Repository;
        if (mode != VerificationMode.Sampled)
            throw new JameyException(JameyErrors.RepositoryPrivateKeyMissing,
                $"A {mode.ToString().ToLowerInvariant()} check of '{repo.Location}' reads content, which needs a private key: give -IdentityFile or -Passphrase, " +
                "or run the sampled check (-Sample / -SampleBytes), which this host can do with its public key alone.", repo.Location.ToString());
        (sample ?? throw new ArgumentNullException(nameof(sample))).Validate();
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var result = new JameyBackupTestResult
        {
            BackupId = backupId, Path = repo.ManifestSource(backupId), Mode = mode, TestedAt = started,
            BackupTimestamp = BackupRepository.TimeFromId(backupId) ?? default,
        };
        var problems = new List<JameyBackupProblem>();
        RemoteIndex? index = null;
        try { index = RemoteBackupSource.Wait(repo.ReadIndexAsync(backupId, null, ct)); }
        catch (RemoteManifestException e) { problems.Add(new JameyBackupProblem { File = e.Target as string, Message = e.Message }); }
        if (index is not null)
        {
            result.BackupTimestamp = index.CreatedAt;
            var present = RemoteBackupSource.Wait(repo.ListObjectsAsync(ct));
            foreach (var o in index.Objects)
            {
                var key = RemoteLayout.ObjectKey(o.Name);
                if (!present.TryGetValue(o.Name, out var size)) problems.Add(Problem(key, "is missing at the destination"));
                else if (size != o.StoredSize) problems.Add(Problem(key, $"is {size} bytes at the destination, the index says {o.StoredSize}"));
            }
            var chosen = RemoteVerifier.Choose(index.Objects, sample);
            var progress = new ByteProgress(observer, Activity, chosen.Count, chosen.Sum(o => o.StoredSize));
            observer.Verbose($"Sampled check of encrypted backup {backupId} without a private key: {chosen.Count} of {index.Objects.Count} object(s), stored hashes and age headers.");
            for (int i = 0; i < chosen.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var o = chosen[i];
                var key = RemoteLayout.ObjectKey(o.Name);
                progress.StartItem(i, key);
                if (!present.ContainsKey(o.Name)) continue; // already reported
                try
                {
                    using var raw = RemoteBackupSource.Wait(repo.OpenObjectAsync(o.Name, ct));
                    using var stored = new VerifyingStream(raw, o.StoredSize, o.StoredSha256, $"object '{key}'", "stored");
                    AgeHeader.Read(stored, key, out _, out _);
                    var buffer = new byte[1 << 16];
                    while (stored.Read(buffer, 0, buffer.Length) > 0) ct.ThrowIfCancellationRequested();
                    result.BytesChecked += o.StoredSize;
                    progress.Add(o.StoredSize);
                }
                catch (ObjectNotFoundException) { problems.Add(Problem(key, "is missing at the destination")); }
                catch (Exception e) when (e is InvalidDataException or IOException || JameyKinds.IsInvalidData(e))
                {
                    problems.Add(Problem(key, e.Message.Contains(key, StringComparison.Ordinal) ? e.Message : $"could not be read: {e.Message}"));
                }
                result.FilesChecked++;
            }
            observer.Progress(new JameyProgress(Activity, "Done", 1, 1, result.BytesChecked, result.BytesChecked, Completed: true));
        }
        result.Problems = problems.ToArray();
        result.Passed = problems.Count == 0;
        result.Duration = watch.Elapsed;
        return result;
    }

    static JameyBackupProblem Problem(string key, string what) =>
        new() { File = key, Message = what.StartsWith("object '", StringComparison.Ordinal) ? what : $"object '{key}' {what}" };
}
