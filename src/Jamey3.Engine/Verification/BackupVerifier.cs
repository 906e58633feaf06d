using System.Diagnostics;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Storage;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Verification;

/// <summary>
/// Proves a backup restorable. Quick mode re-hashes every stored byte against the manifest.
/// Full mode restores every file into a private temporary folder (checking each content hash
/// as it goes), then runs PRAGMA integrity_check on the database and CheckIndex on every index
/// and compares their counts with the manifest. Every problem names its component and file.
/// </summary>
public sealed class BackupVerifier(IOperationObserver? observer = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    const string Activity = "Verifying Jamey backup";

    public string? TemporaryRoot { get; init; }

    public JameyBackupTestResult Verify(BackupRepository repository, string backupId, VerificationMode mode, CancellationToken ct = default)
    {
        var backupDir = repository.BackupDirectory(backupId);
        if (!Directory.Exists(backupDir)) throw new BackupNotFoundException(backupId, repository.Root);
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var result = new JameyBackupTestResult { BackupId = backupId, Path = backupDir, Mode = mode, TestedAt = started };
        var problems = new List<JameyBackupProblem>();
        var counted = new Dictionary<JameyComponent, long>();
        Manifest? manifest = null;
        try
        {
            manifest = Manifest.Load(Path.Combine(backupDir, Manifest.FileName));
            result.BackupTimestamp = manifest.CreatedAt;
            if (manifest.BackupId != backupId)
                problems.Add(new JameyBackupProblem { File = Manifest.FileName, Message = $"the manifest names backup '{manifest.BackupId}'" });
            else if (mode == VerificationMode.Quick)
                CheckStoredFiles(backupDir, manifest, problems, result, ct);
            else
                RestoreAndCheck(backupDir, manifest, problems, counted, result, ct);
        }
        catch (Exception e) when (e is InvalidManifestException or FileNotFoundException or DirectoryNotFoundException)
        {
            result.BackupTimestamp = BackupRepository.TimeFromId(backupId) ?? default;
            problems.Add(new JameyBackupProblem { File = Manifest.FileName, Message = e is InvalidManifestException ? e.Message : "the manifest is missing" });
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
        new RunRecorder(repository.Root, repository.StateDirectory, RunOperation.Verify, _observer, started).Finished(result.Passed,
            result.BackupId, result.BytesChecked, string.Join("; ", result.Problems.Take(3).Select(p => p.ToString())));
        result.Duration = watch.Elapsed; // after the record, so time spent waiting for the history shows
        return result;
    }

    void CheckStoredFiles(string backupDir, Manifest manifest, List<JameyBackupProblem> problems, JameyBackupTestResult result, CancellationToken ct)
    {
        var progress = NewProgress(manifest, stored: true);
        foreach (var f in manifest.Files)
        {
            progress.StartItem(result.FilesChecked, f.Stored);
            foreach (var part in f.StoredParts())
            {
                var (length, problem) = CheckPart(backupDir, part, progress.Add, ct);
                result.BytesChecked += length;
                if (problem is not null) Add(problems, f, part.Stored, problem);
            }
            result.FilesChecked++;
        }
    }

    /// <summary>Re-hashes one stored file (a whole file or a chunk): its bytes read, and what is wrong with it, if anything.</summary>
    static (long Length, string? Problem) CheckPart(string backupDir, Manifest.StoredPart part, Action<long>? onBytes, CancellationToken ct)
    {
        var path = Path.Combine(backupDir, part.Stored);
        var presence = Presence(path);
        if (presence is not null) return (0, presence);
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var (length, sha) = ContentStore.Hash(s, onBytes, ct);
            if (length != part.StoredSize) return (length, $"is {length} bytes, the manifest says {part.StoredSize}");
            if (!string.Equals(sha, part.StoredSha256, StringComparison.OrdinalIgnoreCase)) return (length, "does not match its SHA-256 in the manifest");
            return (length, null);
        }
        catch (IOException e) { return (0, $"could not be read: {e.Message}"); }
    }

    /// <summary>After a chunked file failed as a whole: the chunks whose stored bytes are damaged, so a problem can name a file on disk.</summary>
    internal static List<(string Stored, string Problem)> DamagedChunks(string backupDir, Manifest.FileEntry f, CancellationToken ct)
    {
        var damaged = new List<(string, string)>();
        if (f.Chunks is null) return damaged;
        foreach (var part in f.StoredParts())
            if (CheckPart(backupDir, part, null, ct).Problem is { } problem) damaged.Add((part.Stored, problem));
        return damaged;
    }

    void RestoreAndCheck(string backupDir, Manifest manifest, List<JameyBackupProblem> problems, Dictionary<JameyComponent, long> counted,
        JameyBackupTestResult result, CancellationToken ct)
    {
        var temp = Path.Combine(TemporaryRoot ?? Path.GetTempPath(), $"jamey3-verify-{manifest.BackupId}-{Guid.NewGuid():N}");
        try
        {
            var progress = NewProgress(manifest, stored: false);
            foreach (var f in manifest.Files)
            {
                progress.StartItem(result.FilesChecked, f.Path);
                var parts = f.StoredParts().Select(p => (Path: Path.Combine(backupDir, p.Stored), p.Compression, p.Stored)).ToList();
                result.FilesChecked++;
                bool present = true;
                foreach (var part in parts)
                    if (Presence(part.Path) is { } missing) { Add(problems, f, part.Stored, missing); present = false; }
                if (!present) continue;
                var target = Path.Combine(temp, f.Path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                string? problem = null;
                try
                {
                    var (length, sha) = ContentStore.Extract(parts.Select(p => (p.Path, p.Compression)).ToList(), target, progress.Add, ct);
                    result.BytesChecked += length;
                    if (length != f.Size) problem = $"holds {length} bytes of content, the manifest says {f.Size}";
                    else if (!string.Equals(sha, f.Sha256, StringComparison.OrdinalIgnoreCase)) problem = "does not match its content SHA-256 in the manifest";
                }
                catch (Exception e) when (e is IOException or ZstdSharp.ZstdException or InvalidDataException)
                {
                    problem = $"could not be decompressed or read: {e.Message}";
                }
                if (problem is null) continue;
                // A chunked file names its damaged chunks: the files someone can look at.
                var damaged = DamagedChunks(backupDir, f, ct);
                foreach (var (chunk, chunkProblem) in damaged) Add(problems, f, chunk, chunkProblem);
                if (damaged.Count == 0) Add(problems, f, problem);
            }

            // A damaged file already fails its component: don't pile on. The rest are opened side by side,
            // since CheckIndex takes seconds per index whatever its size and uses one core.
            var toCheck = manifest.Components.Where(c => problems.All(p => p.Component != c.Component)).ToList();
            _observer.Progress(new JameyProgress(Activity, $"Opening {string.Join(", ", toCheck.Select(c => c.Component))}",
                result.FilesChecked, manifest.Files.Count, result.BytesChecked, result.BytesChecked));
            var found = new (List<JameyBackupProblem> Problems, Dictionary<JameyComponent, long> Counted)[toCheck.Count];
            Parallel.For(0, toCheck.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, i =>
            {
                var c = toCheck[i];
                found[i] = ([], []);
                if (c.Component == JameyComponent.Database) CheckDatabase(temp, c, found[i].Problems, found[i].Counted, ct);
                else CheckIndex(temp, c, found[i].Problems, found[i].Counted, ct);
            });
            foreach (var (componentProblems, componentCounts) in found)
            {
                problems.AddRange(componentProblems);
                foreach (var (component, n) in componentCounts) counted[component] = n;
            }
        }
        finally
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); }
            catch (IOException e) { _observer.Warning($"Could not remove the temporary folder '{temp}': {e.Message}"); }
        }
    }

    internal static void CheckDatabase(string temp, Manifest.ComponentEntry c, List<JameyBackupProblem> problems, Dictionary<JameyComponent, long> counted, CancellationToken ct)
    {
        var path = Path.Combine(temp, DataLayout.DatabaseFile);
        var file = $"{Manifest.FilesFolder}/{c.Path}";
        foreach (var line in SqliteSnapshot.IntegrityCheck(path, ct))
            problems.Add(new JameyBackupProblem { Component = c.Component, File = file, Message = $"integrity_check: {line}" });
        if (problems.Any(p => p.Component == c.Component) || c.Database is null) return;
        var summary = SqliteSnapshot.Summarise(path);
        foreach (var (table, expected) in c.Database.RowCounts)
        {
            if (!summary.RowCounts.TryGetValue(table, out var actual)) problems.Add(new JameyBackupProblem { Component = c.Component, File = file, Message = $"table {table} is missing" });
            else if (actual != expected) problems.Add(new JameyBackupProblem { Component = c.Component, File = file, Message = $"table {table} has {actual} rows, the manifest says {expected}" });
        }
        counted[c.Component] = summary.RowCounts.GetValueOrDefault("memory_records", summary.RowCounts.Values.Sum());
    }

    internal static void CheckIndex(string temp, Manifest.ComponentEntry c, List<JameyBackupProblem> problems, Dictionary<JameyComponent, long> counted, CancellationToken ct)
    {
        var folder = Path.Combine(temp, c.Path.Replace('/', Path.DirectorySeparatorChar));
        try
        {
            using var dir = new SimpleFSDirectory(new DirectoryInfo(folder), NoLockFactory.GetNoLockFactory());
            var log = new StringWriter();
            var checker = new CheckIndex(dir) { InfoStream = log };
            var status = checker.DoCheckIndex();
            if (!status.Clean)
            {
                // CheckIndex explains itself only in its log: keep the lines that say what failed.
                var failures = log.ToString().Split('\n').Select(l => l.Trim())
                    .Where(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("FAILED", StringComparison.Ordinal)).Take(3).ToList();
                var what = status.MissingSegments ? "the segments file is missing or unreadable"
                    : failures.Count > 0 ? string.Join(" | ", failures) : $"{status.NumBadSegments} broken segment(s)";
                problems.Add(new JameyBackupProblem { Component = c.Component, File = $"{Manifest.FilesFolder}/{c.Path}", Message = $"CheckIndex: {what}" });
                return;
            }
            long docs = status.SegmentInfos.Sum(s => (long)s.DocCount - s.NumDeleted);
            counted[c.Component] = docs;
            if (c.Index is not null && docs != c.Index.DocumentCount)
                problems.Add(new JameyBackupProblem { Component = c.Component, File = $"{Manifest.FilesFolder}/{c.Path}/{c.Index.SegmentsFile}", Message = $"index has {docs} documents, the manifest says {c.Index.DocumentCount}" });
        }
        catch (Exception e) when (e is IOException or CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException)
        {
            problems.Add(new JameyBackupProblem { Component = c.Component, File = $"{Manifest.FilesFolder}/{c.Path}", Message = $"CheckIndex could not open the index: {e.Message}" });
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Null when the stored file is there as a plain file; otherwise what is wrong.</summary>
    static string? Presence(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint))) return "is a link, not a file";
        return info.Exists ? null : "is missing";
    }

    static void Add(List<JameyBackupProblem> problems, Manifest.FileEntry f, string message) => Add(problems, f, f.Stored, message);

    static void Add(List<JameyBackupProblem> problems, Manifest.FileEntry f, string stored, string message) =>
        problems.Add(new JameyBackupProblem { Component = f.Component, File = stored, Message = $"{stored} {message}" });

    ByteProgress NewProgress(Manifest m, bool stored) =>
        new(_observer, Activity, m.Files.Count, stored ? m.Totals.StoredSize : m.Totals.Size);
}
