using System.Diagnostics;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.IO;
using Jamey3.Engine.History;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;

namespace Jamey3.Engine.Verification;

/// <summary>
/// Proves a backup restorable. Quick mode re-hashes every stored byte against the manifest.
/// Full mode (the default) restores every file into a private temporary folder, several files at a time, checking
/// each content hash as it goes, then proves the copy opens: every Lucene footer checksum, every index opened with the
/// manifest's document count, the database's header, PRAGMA quick_check and row counts. Deep mode runs PRAGMA
/// integrity_check and Lucene's CheckIndex instead of quick_check and the plain reader open: seconds per index
/// whatever its size. Every problem names its component and file.
/// Every read goes through <see cref="BackupContent"/>, as a restore's do, so a backup a restore
/// would refuse (a link in it, content longer than its manifest says) fails here for the same reason.
/// </summary>
public sealed class BackupVerifier(IOperationObserver? observer = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    const string Activity = "Verifying Jamey backup";

    public string? TemporaryRoot { get; init; }

    public JameyBackupTestResult Verify(BackupRepository repository, string backupId, VerificationMode mode, CancellationToken ct = default) =>
        Verify(() => BackupContent.Open(repository, backupId), backupId, repository.BackupDirectory(backupId), repository, mode, ct);

    /// <summary>
    /// Verifies a backup already opened from another source (a remote repository), with the same checks. No run history is
    /// recorded: a history lives in a local repository's state/ folder, and a reader never writes to a remote one.
    /// </summary>
    public JameyBackupTestResult Verify(BackupContent content, VerificationMode mode, CancellationToken ct = default) =>
        Verify(() => content, content.Manifest.BackupId, content.Folder, null, mode, ct);

    JameyBackupTestResult Verify(Func<BackupContent> open, string backupId, string path, BackupRepository? repository, VerificationMode mode, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var result = new JameyBackupTestResult { BackupId = backupId, Path = path, Mode = mode, TestedAt = started };
        var problems = new List<JameyBackupProblem>();
        var counted = new Dictionary<JameyComponent, long>();
        Manifest? manifest = null;
        try
        {
            // The same opening restore does: an unknown or unsafe id is "not found", a linked folder or manifest is refused.
            var backup = open();
            manifest = backup.Manifest;
            result.BackupTimestamp = manifest.CreatedAt;
            if (mode == VerificationMode.Quick) CheckStoredFiles(backup, problems, result, ct);
            else RestoreAndCheck(backup, mode, problems, counted, result, ct);
        }
        catch (Exception e) when (e is InvalidManifestException or UnsafeBackupPathException or FileNotFoundException or DirectoryNotFoundException)
        {
            result.BackupTimestamp = BackupRepository.TimeFromId(backupId) ?? default;
            // A linked backup folder is the backup as a whole (no file); a linked manifest is manifest.json.
            var file = e is UnsafeBackupPathException u ? (u.Target as string)?.EndsWith(Manifest.FileName, StringComparison.Ordinal) == true ? Manifest.FileName : null
                : Manifest.FileName;
            problems.Add(new JameyBackupProblem { File = file, Message = e is JameyException ? e.Message : "the manifest is missing" });
        }

        result.Problems = problems.ToArray();
        result.Components = (manifest?.Components.Select(c => c.Component) ?? [])
            .Select(c => new JameyComponentTestResult
            {
                Component = c,
                Passed = problems.All(p => p.Component != c),
                CountedItems = counted.TryGetValue(c, out var n) ? n : null,
                Problems = problems.Where(p => p.Component == c).Select(p => p.ToString()).ToArray(),
            }).ToArray();
        result.Passed = problems.Count == 0;
        _observer.Progress(new JameyProgress(Activity, "Done", 1, 1, result.BytesChecked, result.BytesChecked, Completed: true));
        if (repository is not null)
            new RunRecorder(repository.Root, repository.StateDirectory, RunOperation.Verify, _observer, started).Finished(result.Passed,
                result.BackupId, result.BytesChecked, string.Join("; ", result.Problems.Take(3).Select(p => p.ToString())));
        result.Duration = watch.Elapsed; // after the record, so time spent waiting for the history shows
        return result;
    }

    void CheckStoredFiles(BackupContent backup, List<JameyBackupProblem> problems, JameyBackupTestResult result, CancellationToken ct)
    {
        var manifest = backup.Manifest;
        var progress = NewProgress(manifest, stored: true);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in manifest.Files)
        {
            progress.StartItem(result.FilesChecked, f.Stored);
            foreach (var part in f.StoredParts())
            {
                try
                {
                    var (length, problem) = backup.CheckStored(part, progress.Add, ct);
                    result.BytesChecked += length;
                    if (problem is not null) Add(problems, f, part.Stored, problem);
                }
                catch (UnsafeBackupPathException e)
                {
                    Refused(backup, problems, refused, f, e);
                    break;
                }
            }
            result.FilesChecked++;
        }
    }

    void RestoreAndCheck(BackupContent backup, VerificationMode mode, List<JameyBackupProblem> problems, Dictionary<JameyComponent, long> counted,
        JameyBackupTestResult result, CancellationToken ct)
    {
        var manifest = backup.Manifest;
        var temp = Path.Combine(TemporaryRoot ?? Path.GetTempPath(), $"jamey3-verify-{manifest.BackupId}-{Guid.NewGuid():N}");
        try
        {
            // The temporary copy is a full copy of the data: owner-only, whatever the umask.
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(temp);
            else Directory.CreateDirectory(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var progress = NewProgress(manifest, stored: false);
            var refused = new HashSet<string>(StringComparer.Ordinal);
            var files = manifest.Files;
            var targets = files.Select(f => Path.Combine(temp, f.Path.Replace('/', Path.DirectorySeparatorChar))).ToArray();
            foreach (var folder in targets.Select(t => Path.GetDirectoryName(t)!).Distinct()) Directory.CreateDirectory(folder);
            var extracted = new BackupContent.Extracted?[files.Count];
            var linked = new UnsafeBackupPathException?[files.Count];
            var gate = new object();
            void Add(long n) { lock (gate) progress.Add(n); }
            // Several files at a time: decompression and hashing are the cost. The copy is thrown away, so it is not
            // flushed to disk.
            BoundedParallel.Run(files.Count, i => files[i].Size, (i, token) =>
            {
                lock (gate) progress.StartItem(result.FilesChecked, files[i].Path);
                try { extracted[i] = backup.Extract(files[i], targets[i], OwnerOnly, Add, token, flushToDisk: false); }
                catch (UnsafeBackupPathException e) { linked[i] = e; }
                catch (DestinationWriteException e) { throw new VerificationWriteFailedException(e.Path, e); }
            }, _ => result.FilesChecked++, BoundedParallel.ExtractionWorkers, ct);
            // Problems in the manifest's order, whichever file finished first.
            for (int i = 0; i < files.Count; i++)
            {
                if (linked[i] is { } e) Refused(backup, problems, refused, files[i], e);
                else if (extracted[i] is { } x)
                {
                    result.BytesChecked += x.Bytes;
                    problems.AddRange(x.Problems);
                }
            }

            // A damaged file already fails its component: don't pile on. The rest are opened side by side.
            var toCheck = manifest.Components.Where(c => problems.All(p => p.Component != c.Component)).ToList();
            _observer.Progress(new JameyProgress(Activity, $"Opening {string.Join(", ", toCheck.Select(c => c.Component))}",
                result.FilesChecked, manifest.Files.Count, result.BytesChecked, result.BytesChecked));
            var depth = mode == VerificationMode.Deep ? CheckDepth.Deep : CheckDepth.Standard;
            var outcomes = ComponentChecks.Run(temp, toCheck, files, depth, Environment.ProcessorCount, ct);
            for (int i = 0; i < toCheck.Count; i++)
            {
                problems.AddRange(outcomes[i].Problems);
                if (outcomes[i].Counted is { } n) counted[toCheck[i].Component] = n;
            }
        }
        finally
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); }
            catch (IOException e) { _observer.Warning($"Could not remove the temporary folder '{temp}': {e.Message}"); }
        }
    }

    static readonly UnixFileMode? OwnerOnly = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A link on the way to a stored file: the refusal restore makes, reported once per link.</summary>
    static void Refused(BackupContent backup, List<JameyBackupProblem> problems, HashSet<string> refused, Manifest.FileEntry f, UnsafeBackupPathException e)
    {
        var link = e.Target as string ?? f.Stored;
        if (!refused.Add(link)) return;
        var file = Path.IsPathFullyQualified(link) ? Path.GetRelativePath(backup.Folder, link).Replace(Path.DirectorySeparatorChar, '/') : link;
        problems.Add(new JameyBackupProblem { Component = f.Component, File = file, Message = e.Message });
    }

    static void Add(List<JameyBackupProblem> problems, Manifest.FileEntry f, string stored, string message) =>
        problems.Add(new JameyBackupProblem { Component = f.Component, File = stored, Message = message }); // File names it; the message does not repeat it

    ByteProgress NewProgress(Manifest m, bool stored) =>
        new(_observer, Activity, m.Files.Count, stored ? m.Totals.StoredSize : m.Totals.Size);
}
