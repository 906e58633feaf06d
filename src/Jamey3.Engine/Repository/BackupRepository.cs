using System.Globalization;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Repository;

/// <summary>
/// A folder of backups (docs/repository-format.md): published backups under backups/, work in
/// progress under staging/, removals in flight under trash/, the writer lock under locks/ and
/// run outcomes under state/. Readers never need the lock and never fail on one bad backup.
/// </summary>
public sealed class BackupRepository
{
    public const string IdFormat = "yyyyMMdd'-'HHmmss'-'fff";

    public BackupRepository(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string BackupsDirectory => Path.Combine(Root, "backups");
    public string StagingDirectory => Path.Combine(Root, "staging");
    public string TrashDirectory => Path.Combine(Root, "trash");
    public string LocksDirectory => Path.Combine(Root, "locks");
    public string StateDirectory => Path.Combine(Root, "state");

    public string BackupDirectory(string backupId) => Path.Combine(BackupsDirectory, backupId);

    public bool Exists => Directory.Exists(Root);

    public RepositoryLock AcquireWriter(string operation, TimeSpan timeout, CancellationToken ct) =>
        RepositoryLock.Acquire(LocksDirectory, Root, operation, timeout, ct);

    /// <summary>A new id, later than every id in the repository (ids sort by time). Call while holding the writer lock.</summary>
    public string NewBackupId(DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        while (true)
        {
            var id = t.ToString(IdFormat, CultureInfo.InvariantCulture);
            if (!Directory.Exists(BackupDirectory(id)) && !Directory.Exists(Path.Combine(StagingDirectory, id))) return id;
            t = t.AddMilliseconds(1);
        }
    }

    /// <summary>The time an id encodes, when it is one of ours.</summary>
    public static DateTimeOffset? TimeFromId(string id) =>
        DateTime.TryParseExact(id, IdFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>
    /// Every backup, newest first, read one at a time as the caller consumes them. Published
    /// backups and staging leftovers are both listed; a bad one is listed with its status.
    /// </summary>
    public IEnumerable<JameyBackup> List(CancellationToken ct = default)
    {
        var entries = new List<(string Id, bool Published)>();
        if (Directory.Exists(BackupsDirectory))
            entries.AddRange(Directory.EnumerateDirectories(BackupsDirectory).Select(d => (Path.GetFileName(d), true)));
        if (Directory.Exists(StagingDirectory))
            entries.AddRange(Directory.EnumerateDirectories(StagingDirectory).Select(d => (Path.GetFileName(d), false)));
        if (entries.Count == 0) yield break;
        bool? writerBusy = null;
        foreach (var (id, published) in entries.OrderByDescending(e => e.Id, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            if (published) yield return Read(id);
            else yield return ReadStaging(id, writerBusy ??= RepositoryLock.IsHeld(LocksDirectory));
        }
    }

    /// <summary>One published backup; throws BackupNotFoundException when there is none by that id.</summary>
    public JameyBackup Get(string backupId)
    {
        if (!Manifest.IsSafeRelativePath(backupId) || backupId.Contains('/') || !Directory.Exists(BackupDirectory(backupId)))
            throw new BackupNotFoundException(backupId, Root);
        return Read(backupId);
    }

    /// <summary>Reads a published backup's manifest and checks every file is present at its stored size (no hashing).</summary>
    public JameyBackup Read(string backupId)
    {
        var dir = BackupDirectory(backupId);
        try
        {
            var manifest = Manifest.Load(Path.Combine(dir, Manifest.FileName));
            var backup = FromManifest(manifest, dir, Root);
            if (manifest.BackupId != backupId)
                return Damaged(backup, $"its manifest names backup '{manifest.BackupId}'");
            foreach (var part in manifest.Files.SelectMany(f => f.StoredParts()))
            {
                var info = new FileInfo(Path.Combine(dir, part.Stored));
                // Before the size: a link's length is its target's, and "is N bytes" would hide what is wrong.
                if (info.LinkTarget is not null) return Damaged(backup, $"file '{part.Stored}' is a link, not a file; a backup never holds links");
                if (!info.Exists) return Damaged(backup, $"file '{part.Stored}' is missing");
                if (info.Length != part.StoredSize) return Damaged(backup, $"file '{part.Stored}' is {info.Length} bytes, the manifest says {part.StoredSize}");
            }
            return backup;
        }
        catch (Exception e) when (e is JameyException or IOException or UnauthorizedAccessException)
        {
            var problem = e is FileNotFoundException or DirectoryNotFoundException ? "its manifest.json is missing" : e.Message;
            return new JameyBackup
            {
                BackupId = backupId, Path = dir, RepositoryPath = Root, Status = BackupStatus.Damaged, Problem = problem,
                Timestamp = TimeFromId(backupId) ?? new DateTimeOffset(Directory.GetCreationTimeUtc(dir), TimeSpan.Zero),
            };
        }
    }

    /// <summary>Loads the manifest of a published backup for restore or verification.</summary>
    public Manifest LoadManifest(string backupId) => Manifest.Load(Path.Combine(BackupDirectory(backupId), Manifest.FileName));

    JameyBackup ReadStaging(string id, bool writerBusy)
    {
        var dir = Path.Combine(StagingDirectory, id);
        return new JameyBackup
        {
            BackupId = id, Path = dir, RepositoryPath = Root,
            Status = writerBusy ? BackupStatus.InProgress : BackupStatus.Incomplete,
            Problem = writerBusy ? "being written now" : "left in staging by a run that did not finish",
            Timestamp = TimeFromId(id) ?? new DateTimeOffset(Directory.GetCreationTimeUtc(dir), TimeSpan.Zero),
        };
    }

    static JameyBackup Damaged(JameyBackup b, string problem)
    {
        b.Status = BackupStatus.Damaged;
        b.Problem = problem;
        return b;
    }

    public static JameyBackup FromManifest(Manifest m, string dir, string repository) => new()
    {
        BackupId = m.BackupId,
        Timestamp = m.CreatedAt,
        CompletedAt = m.CompletedAt,
        Path = dir,
        RepositoryPath = repository,
        Status = BackupStatus.Complete,
        Components = m.ToComponentInfos(),
        TotalSize = m.Totals.Size,
        StoredSize = m.Totals.StoredSize,
        FileCount = m.Totals.Files,
        Compression = m.Compression,
        SourcePath = m.SourcePath,
        HostName = m.Host,
        ToolVersion = m.Tool.Version,
        FormatVersion = m.Format,
        Duration = TimeSpan.FromSeconds(m.DurationSeconds),
    };
}
