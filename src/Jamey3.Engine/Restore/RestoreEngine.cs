using System.Diagnostics;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.IO;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Verification;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Restore;

/// <summary>
/// Restores a backup, whole or by component, into Jamey's data directory or another folder, atomically.
/// <para>
/// Stages: (1) resolve the backup and the components; (2) take the destination's restore lock and finish or undo
/// any interrupted restore (<see cref="Recover(string, IOperationObserver?, TimeSpan?, CancellationToken)"/>);
/// (3) refuse if a process holds a component open for writing (<see cref="DataInUse"/>); (4) write the journal
/// (state Preparing) and extract every file into &lt;destination&gt;/.jamey3-restore/&lt;operation&gt;/new, checking each
/// file's content SHA-256 against the manifest as it is written, several files at a time; (5) check the staged copy: the
/// database header against the file and the manifest (then make sure it is a lone WAL-mode file), every Lucene footer
/// checksum, every index opened with the manifest's document count, and with Deep also PRAGMA integrity_check, row counts
/// and CheckIndex; refuse on any problem unless AllowDamaged; (6) flush new/, check for writers again, and mark the journal
/// Staged; (7) swap each component in with renames (<see cref="ComponentSwapper"/>), the replaced data going to
/// rollback/; (8) mark the journal Committed and report the rollback folder.
/// </para>
/// <para>
/// Recovery decides by the journal state alone: Preparing (not everything staged) rolls back, which only means
/// deleting the operation folder because nothing in the destination was touched yet; Staged (everything staged and
/// flushed) rolls forward, finishing the swap; RollingBack (the swap failed inside the process, which then began to undo
/// it) rolls back; Committed and RolledBack only clean up. Each step of either direction is an atomic rename that first
/// checks its source is still there, and the journal is only ever replaced atomically, so recovery may itself be
/// interrupted at any point and run again. A component is therefore always old, new, or (between the two renames of its
/// swap, until recovery) absent from the destination with both copies intact in the operation folder; never mixed.
/// </para>
/// Cancellation is honoured until the journal says Staged; after that the few remaining renames are finished.
/// </summary>
public sealed class RestoreEngine(IOperationObserver? observer = null)
{
    /// <summary>The folder in a destination that holds the restore lock and one folder per restore operation.</summary>
    public const string WorkFolderName = ".jamey3-restore";
    const string Activity = "Restoring Jamey backup";
    static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(10);

    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;

    /// <summary>Test hook: called after each named step; throwing <see cref="SimulatedCrashException"/> stops the run like a crash.</summary>
    internal Action<string>? StepHook { get; init; }

    public static string WorkRoot(string targetDataPath) => Path.Combine(Path.GetFullPath(targetDataPath), WorkFolderName);

    /// <summary>What <see cref="Run"/> would do with this request. Reads only; changes nothing (for -WhatIf).</summary>
    public JameyRestorePlan Plan(RestoreRequest request, CancellationToken ct = default) => Plan(request, null, ct);

    /// <summary>
    /// What <see cref="Run(RestoreRequest, BackupContent, CancellationToken)"/> would do with a backup already opened from
    /// another source (a remote repository); <see cref="RestoreRequest.RepositoryPath"/> then only describes that source.
    /// </summary>
    public JameyRestorePlan Plan(RestoreRequest request, BackupContent? content, CancellationToken ct = default)
    {
        var (repo, backup, manifest, components) = Resolve(request, content);
        var target = request.TargetPath;
        CheckTarget(target, components);
        CheckStoredPaths(backup, manifest.Files.Where(f => components.Contains(f.Component)));
        ct.ThrowIfCancellationRequested();
        return new JameyRestorePlan
        {
            BackupId = manifest.BackupId,
            BackupTimestamp = manifest.CreatedAt,
            BackupStatus = repo?.Read(manifest.BackupId).Status ?? BackupStatus.Complete,
            Destination = target,
            Items = components.Select(c =>
            {
                var entry = manifest.Components.First(e => e.Component == c);
                var files = manifest.Files.Where(f => f.Component == c).ToList();
                return new JameyRestorePlanItem
                {
                    Component = c,
                    TargetPath = DataLayout.FullPath(target, c),
                    ReplacesExisting = HasOld(target, c),
                    FileCount = files.Count,
                    Size = files.Sum(f => f.Size),
                    DocumentCount = entry.Index?.DocumentCount,
                    RowCounts = entry.Database?.RowCounts is { } rc ? new Dictionary<string, long>(rc) : null,
                };
            }).ToArray(),
        };
    }

    /// <summary>Restores the backup. Throws a <see cref="JameyException"/> (nothing changed, or everything put back) on failure.</summary>
    public JameyRestoreResult Run(RestoreRequest request, CancellationToken ct = default) => Run(request, null, ct);

    /// <summary>
    /// Restores a backup already opened from another source (a remote repository: no local repository is needed), through
    /// the same verified, staged, journaled swap. <see cref="RestoreRequest.RepositoryPath"/> only describes the source
    /// (the journal names it). Such a run records no run history: a history lives in a repository's state/ folder and a
    /// remote repository is never written by a reader (docs/remote-format.md, "Listing, verifying, restoring").
    /// </summary>
    public JameyRestoreResult Run(RestoreRequest request, BackupContent? content, CancellationToken ct = default)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var target = request.TargetPath;
        var repo = content is null ? new BackupRepository(request.RepositoryPath) : null;
        var history = repo is null ? null : new RunRecorder(repo.Root, repo.StateDirectory, RunOperation.Restore, _observer, started);
        string? opDir = null;
        RestoreJournal? journal = null;
        bool createdTarget = false;
        try
        {
            var (_, backup, manifest, components) = Resolve(request, content);
            CheckTarget(target, components);
            var restored = manifest.Files.Where(f => components.Contains(f.Component)).ToList();
            var contentBytes = restored.Sum(f => f.Size);
            // Before anything is created, so a refusal leaves nothing behind. Every read is bounded by the manifest's
            // sizes (BoundedReadStream), so they are a true bound on what staging writes.
            CheckFreeSpace(target, contentBytes);
            CheckStoredPaths(backup, restored);
            if (!Directory.Exists(target))
            {
                CreateFolder(target, RestoredModes.FolderMode(restored));
                createdTarget = true;
            }
            if (!request.Force) DataInUse.EnsureFree(target, components, probeDatabase: false); // cheap, read-only: refuse before taking the lock
            using var targetLock = AcquireTargetLock(target, request.LockTimeout, ct);
            foreach (var r in RecoverLocked(target, _observer, StepHook, ct))
                _observer.Warning($"Before restoring: {r.Message}");
            if (!request.Force) DataInUse.EnsureFree(target, components, probeDatabase: false);

            var opId = NewOperationId();
            opDir = Path.Combine(WorkRoot(target), opId);
            var swapper = new ComponentSwapper(target, opDir, StepHook, _observer)
            {
                // memory/, when the destination has none yet: as open as the index files restored into it allow.
                ParentMode = RestoredModes.FolderMode(restored.Where(f => DataLayout.IsIndex(f.Component))),
            };
            journal = new RestoreJournal
            {
                OperationId = opId, BackupId = manifest.BackupId, BackupTimestamp = manifest.CreatedAt,
                RepositoryPath = repo?.Root ?? request.RepositoryPath, Destination = target, State = RestoreJournalState.Preparing,
                CreatedAt = started, KeepRollback = request.KeepRollback,
                Components = components.Select(c => new RestoreJournal.Entry
                {
                    Component = c, Path = DataLayout.RelativePath(c), HadOld = HasOld(target, c),
                }).ToList(),
            };
            CreateFolder(opDir, RestoredModes.OwnerOnlyFolder);
            journal.Save(opDir);
            Durability.FlushDirectory(WorkRoot(target));
            Hook("prepare:journal");

            var problems = new List<JameyBackupProblem>();
            var progress = new ByteProgress(_observer, Activity, components.Count, contentBytes);
            long bytes = Stage(backup, components, swapper.NewRoot, problems, progress, ct);
            CheckStaged(manifest, components, swapper.NewRoot, request.Deep, problems, ct);
            if (problems.Count > 0)
            {
                if (!request.AllowDamaged) throw new BackupVerificationFailedException(manifest.BackupId, problems);
                foreach (var p in problems) _observer.Warning($"Restoring despite a failed check (AllowDamaged): {p}");
            }
            var staged = components.Where(swapper.IsStaged).ToList();
            foreach (var c in components.Except(staged))
                _observer.Warning($"{c}: nothing could be restored from backup '{manifest.BackupId}'; it is left as it is.");
            if (staged.Count == 0) throw new BackupVerificationFailedException(manifest.BackupId, problems);
            FlushTree(swapper.NewRoot);
            Hook("prepare:flushed");

            if (!request.Force) DataInUse.EnsureFree(target, staged, probeDatabase: true);
            ct.ThrowIfCancellationRequested();

            // The point of no return: from here a crash or failure is finished by rolling forward.
            journal.Components = journal.Components.Where(e => staged.Contains(e.Component)).ToList();
            journal.State = RestoreJournalState.Staged;
            journal.Save(opDir);
            Swap(journal, swapper, target, opDir, () =>
            {
                Hook("swap:staged");
                _observer.Progress(new JameyProgress(Activity, "Swapping in the restored data", components.Count, components.Count, bytes, bytes));
            });

            journal.State = RestoreJournalState.Committed;
            journal.Save(opDir);
            Hook("commit:journal");
            var rollback = FinishCommitted(journal, swapper, opDir, _observer);
            Hook("commit:done");
            progress.Complete();

            var result = new JameyRestoreResult
            {
                BackupId = manifest.BackupId,
                BackupTimestamp = manifest.CreatedAt,
                Components = staged.ToArray(),
                Destination = target,
                RollbackPath = rollback,
                Verified = problems.Count == 0,
                Duration = watch.Elapsed,
                OperationId = opId,
                ReplacedPaths = staged.Select(c => DataLayout.FullPath(target, c)).ToArray(),
                BytesRestored = bytes,
                Problems = problems.ToArray(),
            };
            history?.Succeeded(request.BackupId, bytes);
            return result;
        }
        catch (SimulatedCrashException)
        {
            throw;
        }
        catch (Exception e)
        {
            if (opDir is not null && (journal is null || journal.State == RestoreJournalState.Preparing))
                TryDeleteDirectory(opDir, _observer); // nothing in the destination was touched yet
            if (createdTarget && (journal is null || journal.State == RestoreJournalState.Preparing))
                TryRemoveCreatedTarget(target); // the lock is released: the using above ended with the try block
            _observer.Progress(new JameyProgress(Activity, "Stopped", 0, 0, 0, 0, Completed: true));
            history?.Failed(e, request.BackupId);
            throw;
        }
    }

    /// <summary>
    /// Finishes or undoes every interrupted restore into <paramref name="targetDataPath"/> (see the class remarks for
    /// which), and removes leftovers of finished ones. Safe to call at any time and to interrupt; <see cref="Run"/> calls it
    /// first. Committed restores keep their rollback folder. Throws RestoreInProgress while another restore is running there.
    /// </summary>
    public static IReadOnlyList<RestoreRecovery> Recover(string targetDataPath, IOperationObserver? observer = null,
        TimeSpan? lockTimeout = null, CancellationToken ct = default) =>
        Recover(targetDataPath, observer, null, lockTimeout, ct);

    /// <summary>True when <see cref="Recover"/> has something to do: an operation folder left in the destination's work folder.</summary>
    public static bool HasInterruptedWork(string targetDataPath)
    {
        var work = WorkRoot(targetDataPath);
        return Directory.Exists(work) && (IsLink(work) || Directory.EnumerateDirectories(work).Any());
    }

    internal static IReadOnlyList<RestoreRecovery> Recover(string targetDataPath, IOperationObserver? observer, Action<string>? hook,
        TimeSpan? lockTimeout, CancellationToken ct)
    {
        var target = Path.GetFullPath(targetDataPath);
        if (!Directory.Exists(WorkRoot(target))) return [];
        using var l = AcquireTargetLock(target, lockTimeout ?? DefaultLockTimeout, ct);
        return RecoverLocked(target, observer ?? NullObserver.Instance, hook, ct);
    }

    static List<RestoreRecovery> RecoverLocked(string target, IOperationObserver observer, Action<string>? hook, CancellationToken ct)
    {
        var results = new List<RestoreRecovery>();
        var work = WorkRoot(target);
        if (!Directory.Exists(work)) return results;
        if (IsLink(work)) throw new UnsafeTargetPathException(work, "it is a link");
        foreach (var opDir in Directory.EnumerateDirectories(work).Order(StringComparer.Ordinal).ToList())
        {
            ct.ThrowIfCancellationRequested();
            var opId = Path.GetFileName(opDir);
            var swapper = new ComponentSwapper(target, opDir, hook, observer);
            RestoreJournal? j;
            try
            {
                if (IsLink(opDir)) throw new InvalidDataException($"'{opDir}' is a link");
                j = RestoreJournal.TryLoad(opDir);
            }
            catch (InvalidDataException e)
            {
                results.Add(Report(observer, new RestoreRecovery(opId, null, RestoreRecoveryAction.NeedsAttention, [], null,
                    $"Restore operation '{opDir}' was left alone: {e.Message}. Inspect it; its rollback folder may hold replaced data.")));
                continue;
            }
            if (j is null)
            {
                // Interrupted before its journal existed: nothing in the destination was touched.
                if (swapper.RollbackHoldsData() || swapper.HasDisplaced())
                    results.Add(Report(observer, new RestoreRecovery(opId, null, RestoreRecoveryAction.NeedsAttention, [], null,
                        $"Restore operation '{opDir}' has no journal but holds data; it was left alone.")));
                else
                {
                    DeleteDirectory(opDir);
                    results.Add(new RestoreRecovery(opId, null, RestoreRecoveryAction.CleanedUp, [], null,
                        $"Removed the staging folder of a restore that stopped before it changed anything ('{opDir}')."));
                }
                continue;
            }
            var components = j.Components.Select(c => c.Component).ToList();
            switch (j.State)
            {
                case RestoreJournalState.Preparing:
                    if (swapper.RollbackHoldsData() || swapper.HasDisplaced())
                    {
                        results.Add(Report(observer, new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.NeedsAttention, components, null,
                            $"Restore operation '{opDir}' was preparing, yet its rollback folder holds data; it was left alone.")));
                        break;
                    }
                    DeleteDirectory(opDir);
                    hook?.Invoke("recover:preparing:deleted");
                    results.Add(Report(observer, new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.RolledBack, components, null,
                        $"Rolled back the restore of backup '{j.BackupId}' that was interrupted while preparing: nothing had been changed in '{target}'.")));
                    break;

                case RestoreJournalState.Staged:
                    foreach (var c in components) swapper.Forward(c, "recover");
                    j.State = RestoreJournalState.Committed;
                    j.Save(opDir);
                    hook?.Invoke("recover:commit:journal");
                    var rollback = FinishCommitted(j, swapper, opDir, observer);
                    results.Add(Report(observer, new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.RolledForward, components, rollback,
                        $"Finished the interrupted restore of backup '{j.BackupId}' into '{target}' ({string.Join(", ", components)})" +
                        (rollback is null ? "." : $"; the replaced data is in '{rollback}'."))));
                    break;

                case RestoreJournalState.RollingBack:
                    foreach (var c in Enumerable.Reverse(components)) swapper.Backward(c, "recover");
                    j.State = RestoreJournalState.RolledBack;
                    j.Save(opDir);
                    hook?.Invoke("recover:rolledback:journal");
                    CleanupRolledBack(swapper, opDir, observer);
                    results.Add(Report(observer, new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.RolledBack, components, null,
                        $"Undid the failed restore of backup '{j.BackupId}': '{target}' holds what it held before.")));
                    break;

                case RestoreJournalState.Committed:
                    if (Directory.Exists(swapper.NewRoot) || (!j.KeepRollback && Directory.Exists(swapper.RollbackRoot)))
                    {
                        FinishCommitted(j, swapper, opDir, observer);
                        results.Add(new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.CleanedUp, components, null,
                            $"Removed the leftovers of the finished restore '{opId}'."));
                    }
                    break;

                case RestoreJournalState.RolledBack:
                    CleanupRolledBack(swapper, opDir, observer);
                    results.Add(new RestoreRecovery(opId, j.BackupId, RestoreRecoveryAction.CleanedUp, components, null,
                        $"Removed the leftovers of the undone restore '{opId}'."));
                    break;
            }
        }
        return results;
    }

    static RestoreRecovery Report(IOperationObserver observer, RestoreRecovery r)
    {
        if (r.Action == RestoreRecoveryAction.NeedsAttention) observer.Warning(r.Message);
        else observer.Verbose(r.Message);
        return r;
    }

    // ---- stages ----

    /// <summary>The backup and what to restore of it; the repository is null for a backup opened elsewhere (a remote source has none here).</summary>
    static (BackupRepository? Repo, BackupContent Backup, Manifest Manifest, IReadOnlyList<JameyComponent> Components) Resolve(RestoreRequest r,
        BackupContent? content)
    {
        var repo = content is null ? new BackupRepository(r.RepositoryPath) : null;
        // The same opening Test-JameyBackup does: an unsafe id is "not found", a linked folder or manifest is refused.
        var backup = content ?? BackupContent.Open(repo!, r.BackupId);
        if (content is not null && content.Manifest.BackupId != r.BackupId)
            throw new InvalidManifestException(content.Folder, $"it names backup '{content.Manifest.BackupId}', not '{r.BackupId}'");
        var manifest = backup.Manifest;
        var manifestPath = content is null ? Path.Combine(backup.Folder, Manifest.FileName) : content.Folder;
        var inBackup = manifest.Components.Select(c => c.Component).ToHashSet();
        IReadOnlyList<JameyComponent> components;
        if (r.Components is null || r.Components.Count == 0)
            components = DataLayout.All.Where(inBackup.Contains).ToList();
        else
        {
            components = DataLayout.Expand(r.Components);
            foreach (var c in components)
                if (!inBackup.Contains(c)) throw new ComponentNotInBackupException(manifest.BackupId, c);
        }
        if (components.Count == 0) throw new InvalidManifestException(manifestPath, "it lists no components");
        return (repo, backup, manifest, components);
    }

    /// <summary>Refuses destinations where a rename could land outside the destination's own folders.</summary>
    static void CheckTarget(string target, IReadOnlyList<JameyComponent> components)
    {
        if (File.Exists(target)) throw new UnsafeTargetPathException(target, "it is a file, not a folder");
        var work = WorkRoot(target);
        if (IsLink(work)) throw new UnsafeTargetPathException(work, "it is a link");
        foreach (var c in components)
        {
            var main = DataLayout.FullPath(target, c);
            var parent = Path.GetDirectoryName(main)!;
            if (!string.Equals(parent, target, StringComparison.Ordinal) && IsLink(parent))
                throw new UnsafeTargetPathException(parent, "it is a link; restore swaps folders by renaming, which must stay inside the data directory's file system");
            foreach (var path in ComponentSwapper.SideFiles(c).Select(s => Path.Combine(target, s)).Prepend(main))
                if (IsLink(path)) throw new UnsafeTargetPathException(path, "it is a link; restore would replace the link, not what it points to");
            // An index is the files of one folder; a folder inside it is something else (a backup repository, say) that the
            // swap, which renames the whole folder, would carry into rollback/ with the old index.
            if (DataLayout.IsIndex(c) && Directory.Exists(main) && Directory.EnumerateDirectories(main).FirstOrDefault() is { } nested)
                throw new UnsafeTargetPathException(nested,
                    $"it is a folder inside the {c} index folder, so not part of the index, and restoring {c} replaces that whole folder. " +
                    "Move it out of the data directory's components (a backup repository belongs outside them, e.g. data/backups), then restore again");
        }
    }

    /// <summary>
    /// Extracts every file of the components into new/, checking each content hash; returns bytes written. Files are
    /// extracted side by side (<see cref="BoundedParallel"/>: decompression and hashing are the cost), each flushed
    /// as it is finished so its writes reach the disk while the others are still decompressing;
    /// prepare:extracted:&lt;component&gt; follows once every file of that component is written.
    /// </summary>
    long Stage(BackupContent backup, IReadOnlyList<JameyComponent> components, string newRoot,
        List<JameyBackupProblem> problems, ByteProgress progress, CancellationToken ct)
    {
        var manifest = backup.Manifest;
        var files = components.SelectMany(c => manifest.Files.Where(f => f.Component == c)).ToList();
        // Folders first, on this thread: their modes come from all their files, and no two workers race to create one.
        foreach (var c in components.Where(DataLayout.IsIndex))
            CreateFolder(SafeTargetPath(newRoot, DataLayout.RelativePath(c)), RestoredModes.FolderMode(files.Where(f => f.Component == c)));
        var destinations = files.Select(f => SafeTargetPath(newRoot, f.Path)).ToArray();
        foreach (var folder in destinations.Select(d => Path.GetDirectoryName(d)!).Distinct()) Directory.CreateDirectory(folder);

        var results = new BackupContent.Extracted?[files.Count];
        var left = components.ToDictionary(c => c, c => files.Count(f => f.Component == c));
        var gate = new object();
        int finished = 0;
        void Add(long n) { lock (gate) progress.Add(n); } // throttled: a record at most every 250 ms
        // One forced record per component, not per file: a host that reads its child's output late (or a full pipe)
        // must not stall the restore.
        progress.StartItem(0, $"{string.Join(", ", components)}: {files.Count} file(s)");
        // A component with no files is extracted at once.
        foreach (var c in components.Where(c => left[c] == 0)) Hook($"prepare:extracted:{c}");
        BoundedParallel.Run(files.Count, i => files[i].Size, (i, token) =>
        {
            var f = files[i];
            try
            {
                results[i] = backup.Extract(f, destinations[i], RestoredModes.FileMode(f), Add, token);
            }
            catch (DestinationWriteException e)
            {
                throw new RestoreWriteFailedException(e.Path, e.InnerException!); // the backup reads fine: the destination failed us
            }
        }, i =>
        {
            var c = files[i].Component;
            if (--left[c] != 0) return;
            lock (gate) progress.StartItem(++finished, $"{c} extracted ({finished} of {components.Count})");
            Hook($"prepare:extracted:{c}");
        }, BoundedParallel.ExtractionWorkers, ct);

        // Problems in the manifest's order, whichever file finished first.
        long bytes = 0;
        foreach (var r in results)
        {
            bytes += r!.Bytes;
            problems.AddRange(r.Problems);
        }
        return bytes;
    }

    /// <summary>
    /// Every stored path of what is restored, checked for links and containment before anything is created (no reading;
    /// Stage checks each again as it opens it).
    /// </summary>
    static void CheckStoredPaths(BackupContent backup, IEnumerable<Manifest.FileEntry> files)
    {
        foreach (var f in files)
            foreach (var part in f.StoredParts()) backup.Presence(part);
    }

    /// <summary>A destination this restore created and that holds nothing but the restore's own lock files goes again.</summary>
    void TryRemoveCreatedTarget(string target)
    {
        try
        {
            var work = WorkRoot(target);
            if (Directory.EnumerateFileSystemEntries(target).Any(e => e != work)) return;
            if (Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any(e => Path.GetFileName(e) is not ("writer.lock" or "writer.json"))) return;
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            Directory.Delete(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _observer.Warning($"Could not remove the folder '{target}' this restore created: {e.Message}");
        }
    }

    /// <summary>The staged copy needs the components' full size on the destination's file system (plus a little for folders).</summary>
    static void CheckFreeSpace(string target, long contentBytes)
    {
        long available;
        var existing = target;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        try { available = new DriveInfo(existing).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return; } // unknown: let the writes tell
        long needed = contentBytes + 16L * 1024 * 1024;
        if (available < needed) throw new NotEnoughSpaceException(target, needed, available);
    }

    /// <summary>
    /// Opens what was staged, every component side by side. The content hashes already proved every byte equals what
    /// the backup captured; this proves the copy is one Jamey can open: the database header against the file and the
    /// manifest, every Lucene footer checksum, every index opened with the manifest's document count, and quick_check with
    /// the row counts of the database (a page damaged in the live database before capture is never swapped in). With
    /// <see cref="RestoreRequest.Deep"/>, integrity_check and row counts, and CheckIndex, as well.
    /// </summary>
    void CheckStaged(Manifest manifest, IReadOnlyList<JameyComponent> components, string newRoot, bool deep, List<JameyBackupProblem> problems, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // A damaged file already fails its component.
        var toCheck = components.Where(c => !problems.Any(p => p.Component == c)).ToList();
        _observer.Progress(new JameyProgress(Activity, $"Checking {string.Join(", ", toCheck)}", 0, components.Count, 0, 0));
        var entries = toCheck.Select(c => manifest.Components.First(e => e.Component == c)).ToList();
        var outcomes = ComponentChecks.Run(newRoot, entries, manifest.Files, deep ? CheckDepth.Deep : CheckDepth.Standard,
            BoundedParallel.ExtractionWorkers, ct);
        for (int i = 0; i < components.Count; i++)
        {
            var c = components[i];
            int k = toCheck.IndexOf(c);
            if (k >= 0)
            {
                problems.AddRange(outcomes[k].Problems);
                if (c == JameyComponent.Database && outcomes[k].Problems.Count == 0)
                    MakeLoneWalDatabase(Path.Combine(newRoot, DataLayout.DatabaseFile), entries[k], problems);
                Hook($"prepare:checked:{c}");
            }
        }
    }

    /// <summary>Jamey expects WAL mode; the restored file must carry the flag and have no -wal/-shm beside it.</summary>
    static void MakeLoneWalDatabase(string path, Manifest.ComponentEntry entry, List<JameyBackupProblem> problems)
    {
        try
        {
            if (SqliteSnapshot.ReadHeaderJournalMode(path) != "wal")
            {
                using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString()))
                {
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "PRAGMA journal_mode=WAL";
                    cmd.ExecuteScalar();
                }
            }
            // Our own connection was the only one and closed cleanly: anything beside the file is empty and ours.
            foreach (var suffix in ComponentSwapper.DatabaseSideSuffixes)
                if (File.Exists(path + suffix)) File.Delete(path + suffix);
            if (SqliteSnapshot.ReadHeaderJournalMode(path) != "wal")
                problems.Add(new JameyBackupProblem { Component = JameyComponent.Database, File = $"{Manifest.FilesFolder}/{entry.Path}", Message = "could not be put in WAL mode" });
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            problems.Add(new JameyBackupProblem { Component = JameyComponent.Database, File = $"{Manifest.FilesFolder}/{entry.Path}", Message = $"could not be put in WAL mode: {e.Message}" });
        }
    }

    /// <summary>Swaps every component in; on a failure inside the process, puts everything back before throwing.</summary>
    void Swap(RestoreJournal journal, ComponentSwapper swapper, string target, string opDir, Action first)
    {
        try
        {
            first();
            foreach (var e in journal.Components) swapper.Forward(e.Component, "swap");
        }
        catch (SimulatedCrashException)
        {
            throw;
        }
        catch (Exception e)
        {
            _observer.Warning($"Swapping the restored data into '{target}' failed ({e.Message}); putting everything back.");
            try
            {
                journal.State = RestoreJournalState.RollingBack;
                journal.Save(opDir);
                Hook("rollback:journal");
                foreach (var c in Enumerable.Reverse(journal.Components)) swapper.Backward(c.Component, "rollback");
                journal.State = RestoreJournalState.RolledBack;
                journal.Save(opDir);
                CleanupRolledBack(swapper, opDir, _observer);
            }
            catch (SimulatedCrashException)
            {
                throw;
            }
            catch (Exception e2)
            {
                throw new RestoreRecoveryFailedException(target,
                    $"Swapping backup '{journal.BackupId}' into '{target}' failed ({e.Message}) and putting the old data back failed too ({e2.Message}). " +
                    $"Nothing was deleted: the journal and both copies are in '{opDir}'. Fix the cause, then run the restore recovery " +
                    "(Restore-JameyBackup runs it first; the engine's RestoreEngine.Recover does it alone).", e2);
            }
            throw new RestoreSwapFailedException(target,
                $"Swapping backup '{journal.BackupId}' into '{target}' failed: {e.Message}. Every component was put back as it was.", e);
        }
    }

    /// <summary>After commit: removes new/ and, unless kept, rollback/. Returns the rollback folder when it holds replaced data.</summary>
    static string? FinishCommitted(RestoreJournal journal, ComponentSwapper swapper, string opDir, IOperationObserver observer)
    {
        TryDeleteDirectory(swapper.NewRoot, observer);
        if (!journal.KeepRollback) TryDeleteDirectory(swapper.RollbackRoot, observer);
        if (!swapper.RollbackHoldsData() && !swapper.HasDisplaced())
        {
            TryDeleteDirectory(opDir, observer);
            return null;
        }
        return swapper.RollbackHoldsData() ? swapper.RollbackRoot : null;
    }

    static void CleanupRolledBack(ComponentSwapper swapper, string opDir, IOperationObserver observer)
    {
        if (swapper.RollbackHoldsData() || swapper.HasDisplaced())
        {
            observer.Warning($"The undone restore '{opDir}' still holds data in its rollback or displaced folder; it was left for you to inspect.");
            return;
        }
        TryDeleteDirectory(opDir, observer);
    }

    // ---- paths ----

    static bool HasOld(string target, JameyComponent c) =>
        ComponentSwapper.Present(DataLayout.FullPath(target, c))
        || ComponentSwapper.SideFiles(c).Any(s => ComponentSwapper.Present(Path.Combine(target, s)));

    /// <summary>A write target inside the staging folder; refuses anything that would land elsewhere.</summary>
    static string SafeTargetPath(string newRoot, string relative)
    {
        var root = Path.GetFullPath(newRoot);
        var full = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new UnsafeBackupPathException(relative, "would be written outside the restore's staging folder");
        for (var p = Path.GetDirectoryName(full)!; p.Length > root.Length; p = Path.GetDirectoryName(p)!)
            if (IsLink(p)) throw new UnsafeBackupPathException(p, "is a link inside the restore's staging folder");
        return full;
    }

    static bool IsLink(string path) => BackupContent.IsLink(path);

    // ---- plumbing ----

    static RepositoryLock AcquireTargetLock(string target, TimeSpan timeout, CancellationToken ct)
    {
        // It holds staged and replaced copies of the data: owner-only, whatever the umask.
        if (!Directory.Exists(WorkRoot(target))) CreateFolder(WorkRoot(target), RestoredModes.OwnerOnlyFolder);
        try { return RepositoryLock.Acquire(WorkRoot(target), target, "Restore-JameyBackup", timeout, ct); }
        catch (RepositoryBusyException e) { throw new RestoreInProgressException(target, e); }
    }

    static string NewOperationId() =>
        $"{DateTime.UtcNow.ToString("yyyyMMdd'-'HHmmss'-'fff", System.Globalization.CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}"[..28];

    void Hook(string step) => StepHook?.Invoke(step);

    /// <summary>Extract already flushed every file's content; the database was rewritten since (WAL flag), and names need their folders flushed.</summary>
    static void FlushTree(string root)
    {
        var db = Path.Combine(root, DataLayout.DatabaseFile);
        if (File.Exists(db)) Durability.FlushFile(db);
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            Durability.FlushDirectory(dir);
        Durability.FlushDirectory(root);
    }

    /// <summary>Creates a folder with exactly these permission bits on Unix (the umask cannot widen or narrow them).</summary>
    internal static void CreateFolder(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(path); return; } // the inherited ACL applies, never widened
        var parent = Path.GetDirectoryName(path);
        if (parent is not null && !Directory.Exists(parent)) Directory.CreateDirectory(parent, mode);
        Directory.CreateDirectory(path, mode);
        File.SetUnixFileMode(path, mode);
    }

    static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        var parent = Path.GetDirectoryName(path);
        if (parent is not null) Durability.FlushDirectory(parent);
    }

    static void TryDeleteDirectory(string path, IOperationObserver observer)
    {
        try { DeleteDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            observer.Warning($"Could not remove '{path}': {e.Message}. The next restore (or RestoreEngine.Recover) removes it.");
        }
    }
}
