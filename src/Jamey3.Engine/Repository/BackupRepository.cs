using System.Globalization;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Repository;

public sealed class RepositoryInsideDataException(string repository, string dataPath, string part)
    : JameyException(JameyErrors.RepositoryInsideData,
        $"The backup repository '{repository}' is inside the {part} of the Jamey data directory '{dataPath}': restoring that " +
        "component would move the repository away with the data it replaces. Choose a folder outside every component " +
        $"(the default '{Path.Combine(dataPath, "backups")}' is, and so is any folder outside the data directory). Nothing was written.", repository);

public sealed class RepositoryNotFoundException(string repository)
    : JameyException(JameyErrors.RepositoryNotFound,
        File.Exists(repository)
            ? $"The backup repository '{repository}' is a file, not a folder."
            : $"Cannot find the backup repository '{repository}' because it does not exist (a mistyped path, or a volume that is not mounted).",
        repository);

/// <summary>
/// A folder of backups (docs/repository-format.md): published backups under backups/, work in
/// progress under staging/, removals in flight under trash/, the writer lock under locks/ and
/// run outcomes under state/. Readers never need the lock and never fail on one bad backup.
/// </summary>
/// <summary>A backup being written: its id and its folder under staging/ (see <see cref="BackupRepository.BeginBackup"/>).</summary>
public sealed record StagedBackup(string Id, string Folder);

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

    /// <summary>
    /// Refuses a repository inside a component of <paramref name="dataPath"/> (the database, whose -wal/-shm/-journal
    /// siblings share its name, an index folder, or the restore work folder): a restore of that component would move
    /// the repository away with the data it replaces. The data directory itself and other folders in it (the default
    /// data/backups) are outside every component and allowed. Symbolic links in the existing part of either path are
    /// resolved first. Call before anything is written.
    /// </summary>
    public void EnsureOutsideData(string dataPath)
    {
        var data = RealPath(Path.GetFullPath(dataPath));
        var repo = RealPath(Root);
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var relative = Path.GetRelativePath(data, repo);
        if (relative == "." || Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return; // the data directory itself, or outside it
        var segments = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        string? part = null;
        if (segments[0].Equals(Data.DataLayout.DatabaseFile, comparison) || segments[0].StartsWith(Data.DataLayout.DatabaseFile + "-", comparison))
            part = $"database ('{Data.DataLayout.DatabaseFile}' and its -wal, -shm and -journal files are replaced together)";
        else if (segments[0].Equals(Restore.RestoreEngine.WorkFolderName, comparison))
            part = $"restore work folder ('{Restore.RestoreEngine.WorkFolderName}')";
        else if (segments.Length >= 2 && segments[0].Equals(Data.DataLayout.MemoryFolder, comparison))
        {
            foreach (var layer in Data.DataLayout.MemoryLayers)
            {
                if (string.Equals(Data.DataLayout.RelativePath(layer), $"{Data.DataLayout.MemoryFolder}/{segments[1]}", comparison))
                    part = $"{layer} index ('{Data.DataLayout.RelativePath(layer)}')";
            }
        }
        if (part is not null) throw new RepositoryInsideDataException(Root, data, part);
    }

    /// <summary>The path with every symbolic link in its existing part resolved (what the OS will really write to).</summary>
    static string RealPath(string full, int depth = 0)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        var rest = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < rest.Length; i++)
        {
            var next = Path.Combine(current, rest[i]);
            FileSystemInfo info = new DirectoryInfo(next);
            if (!info.Exists) info = new FileInfo(next);
            if (!info.Exists && info.LinkTarget is null) return Path.Combine([next, .. rest[(i + 1)..]]); // nothing more exists
            if (info.LinkTarget is not null && depth < 32)
            {
                try
                {
                    var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                    if (target is not null) next = RealPath(Path.GetFullPath(target), depth + 1);
                }
                catch (IOException) { }
            }
            current = next;
        }
        return current;
    }

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

    // ---- state changes: the one place that knows how a backup comes into being and leaves ----

    /// <summary>
    /// The repository's own folders, created owner-only; folders an older version made under umask 022 are tightened
    /// (trash/ only when it exists). False when some could not be restricted (another account owns them).
    /// </summary>
    public bool PrepareForWriting()
    {
        bool restricted = true;
        foreach (var folder in new[] { BackupsDirectory, StagingDirectory, StateDirectory, LocksDirectory, TrashDirectory })
        {
            restricted &= IO.Durability.RestrictDirectory(folder);
            if (folder != TrashDirectory) IO.Durability.CreatePrivateDirectory(folder);
        }
        return restricted;
    }

    /// <summary>
    /// Begins a backup: a new id (later than every other, see <see cref="NewBackupId"/>) and its private staging folder
    /// staging/&lt;id&gt; with files/ inside. <paramref name="writer"/> proves the caller holds the writer lock.
    /// </summary>
    public StagedBackup BeginBackup(RepositoryLock writer, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var id = NewBackupId(started);
        var folder = Path.Combine(StagingDirectory, id);
        IO.Durability.CreatePrivateDirectory(Path.Combine(folder, Manifest.FilesFolder));
        return new StagedBackup(id, folder);
    }

    /// <summary>Writes the manifest into a staged backup, last of its files (temporary file, fsync, rename).</summary>
    public static void WriteStagedManifest(StagedBackup staged, Manifest manifest) =>
        IO.Durability.WritePrivateFileAtomically(Path.Combine(staged.Folder, Manifest.FileName), manifest.ToJson());

    /// <summary>
    /// Publishes a staged backup: every file and folder in it is flushed (<see cref="Storage.StagingFlush"/>: files are
    /// written without an fsync each, so this pass is what makes them durable), then one rename
    /// moves it to backups/&lt;id&gt;; nothing is visible before. <paramref name="step"/> is told <c>flushed</c> and
    /// <c>publish:renaming</c> (the engines' crash-test hooks). Cancellation is honoured until the rename. Returns the
    /// published folder.
    /// </summary>
    public string Publish(RepositoryLock writer, StagedBackup staged, int parallelism, Action<string>? step, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Storage.StagingFlush.Flush(staged.Folder, parallelism, ct);
        step?.Invoke("flushed");
        ct.ThrowIfCancellationRequested();
        IO.Durability.CreatePrivateDirectory(BackupsDirectory);
        var published = BackupDirectory(staged.Id);
        step?.Invoke("publish:renaming");
        IO.Durability.MoveDirectory(staged.Folder, published);
        return published;
    }

    /// <summary>Deletes a staged backup that will not be published; false (and a warning) when it could not be removed.</summary>
    public static bool Abandon(StagedBackup staged, Action<string>? warn)
    {
        try
        {
            Directory.Delete(staged.Folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"Could not remove the unfinished staging folder '{staged.Folder}': {e.Message}. It is listed as Incomplete and never as a good backup.");
            return false;
        }
    }

    /// <summary>
    /// Moves a backup (published under backups/, or, when <paramref name="staged"/>, a leftover under staging/) into
    /// trash/&lt;id&gt;: one rename, so it leaves every listing at once. <paramref name="folder"/> must be that backup's
    /// folder (as a listing gave it); anything else is refused with an IOException. A suffix is added only when an
    /// undeletable leftover of the same id is still in the trash. Returns the trash folder, to be deleted with
    /// <see cref="DeleteFromTrash"/>.
    /// </summary>
    public string MoveToTrash(RepositoryLock writer, string backupId, string folder, bool staged)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var source = Path.GetFullPath(folder);
        var expectedParent = staged ? StagingDirectory : BackupsDirectory;
        if (!string.Equals(Path.GetDirectoryName(source), Path.GetFullPath(expectedParent), StringComparison.Ordinal))
            throw new IOException($"'{source}' is not a folder of '{expectedParent}'");
        Directory.CreateDirectory(TrashDirectory);
        // trash/<id> (docs/repository-format.md); a suffix only if an undeletable leftover of that id is still there.
        var trash = Path.Combine(TrashDirectory, backupId);
        if (Directory.Exists(trash)) trash += $".{Guid.NewGuid().ToString("N")[..8]}";
        IO.Durability.MoveDirectory(source, trash);
        return trash;
    }

    /// <summary>Folders under trash/ (removals that did not finish), in name order.</summary>
    public List<string> TrashLeftovers() =>
        Directory.Exists(TrashDirectory) ? Directory.GetDirectories(TrashDirectory).Order(StringComparer.Ordinal).ToList() : [];

    /// <summary>Deletes a folder of trash/ and flushes trash/. Throws IOException or UnauthorizedAccessException when it cannot.</summary>
    public void DeleteFromTrash(string trashFolder)
    {
        var full = Path.GetFullPath(trashFolder);
        if (!string.Equals(Path.GetDirectoryName(full), Path.GetFullPath(TrashDirectory), StringComparison.Ordinal))
            throw new IOException($"'{full}' is not a folder of '{TrashDirectory}'");
        // Directory.Delete removes links themselves, never what they point to; a hard link only drops one name of a file.
        Directory.Delete(full, recursive: true);
        IO.Durability.FlushDirectory(Path.GetDirectoryName(full)!);
    }

    /// <summary>
    /// The folder of published backup <paramref name="backupId"/>, resolved safely: an id that is not one plain name
    /// (<see cref="Manifest.IsSafeBackupId"/>: never '.', '..' or a path) or names no folder is BackupNotFound; a backup
    /// folder that is a link (reading through it could read anything) is UnsafeBackupPath. Every reader of stored content
    /// goes through here.
    /// </summary>
    public string ResolveBackupFolder(string backupId)
    {
        if (!Manifest.IsSafeBackupId(backupId)) throw new BackupNotFoundException(backupId, Root);
        var dir = Path.GetFullPath(BackupDirectory(backupId));
        if (Verification.BackupContent.IsLink(dir)) throw new Restore.UnsafeBackupPathException(dir, "is a link; a backup folder never is one, and reading through it could read anything");
        if (!Directory.Exists(dir)) throw new BackupNotFoundException(backupId, Root);
        return dir;
    }

    /// <summary>The repository holding a backup folder (backups/&lt;id&gt; lives two levels below it) and the id the folder names.</summary>
    public static (BackupRepository Repository, string BackupId) OfBackupFolder(string backupFolder)
    {
        var full = Path.GetFullPath(backupFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return (new BackupRepository(RootOfBackupFolder(full)), Path.GetFileName(full));
    }

    /// <summary>The repository root of a backup folder: two levels above it.</summary>
    public static string RootOfBackupFolder(string backupFolder)
    {
        var full = Path.GetFullPath(backupFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full);
        return Path.GetDirectoryName(parent) ?? parent ?? full;
    }

    /// <summary>The time an id encodes, when it is one of ours.</summary>
    public static DateTimeOffset? TimeFromId(string id) =>
        DateTime.TryParseExact(id, IdFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>
    /// How far ahead of this machine's clock a backup's time may lie before it is flagged: enough for clocks of two
    /// hosts sharing a repository that drift apart, far less than a day's wrong clock.
    /// </summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How far a backup's id may lie from the snapshot time its manifest records. A writer bumps a colliding id by a
    /// millisecond, so a real backup's id is within milliseconds of its manifest; a minute is far beyond that.
    /// </summary>
    public static readonly TimeSpan IdTolerance = TimeSpan.FromMinutes(1);

    /// <summary>Every backup, newest first (by the time its manifest records); see <see cref="List(DateTimeOffset, CancellationToken)"/>.</summary>
    public IEnumerable<JameyBackup> List(CancellationToken ct = default) => List(DateTimeOffset.UtcNow, ct);

    /// <summary>
    /// Every backup, newest first, read one at a time as the caller consumes them. Published backups and staging
    /// leftovers are both listed; a bad one is listed with its status.
    /// <para>
    /// Ranked by the snapshot time the manifest records, never by folder name: a folder whose name is not a
    /// timestamp, or whose id disagrees with its manifest, would otherwise rank newest forever. Only the head of each
    /// manifest is read to rank (its createdAt comes third); the full manifest is read as the caller reaches it.
    /// A backup whose id is not the timestamp its manifest records is Damaged; one dated more than
    /// <see cref="FutureTolerance"/> after <paramref name="now"/> (a clock that was wrong) is listed Complete with
    /// <see cref="JameyBackup.InFuture"/> set and a <see cref="JameyBackup.Warning"/>, and is never "the newest".
    /// </para>
    /// </summary>
    public IEnumerable<JameyBackup> List(DateTimeOffset now, CancellationToken ct = default)
    {
        var entries = new List<(string Id, bool Published, DateTimeOffset Time)>();
        if (Directory.Exists(BackupsDirectory))
        {
            foreach (var d in Directory.EnumerateDirectories(BackupsDirectory))
            {
                ct.ThrowIfCancellationRequested();
                var id = Path.GetFileName(d);
                entries.Add((id, true, ManifestTime(d) ?? TimeFromId(id) ?? FolderTime(d)));
            }
        }
        if (Directory.Exists(StagingDirectory))
            entries.AddRange(Directory.EnumerateDirectories(StagingDirectory).Select(d => (Path.GetFileName(d), false, TimeFromId(Path.GetFileName(d)) ?? FolderTime(d))));
        if (entries.Count == 0) yield break;
        bool? writerBusy = null;
        // One backup at a time, on the caller's thread: the listing runs on every metrics scrape and in scheduled
        // runs, so it takes no thread-pool work of its own, and a caller that stops early has read nothing more.
        foreach (var (id, published, _) in entries.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            if (published) yield return CheckTime(Read(id), now);
            else yield return ReadStaging(id, writerBusy ??= RepositoryLock.IsHeld(LocksDirectory));
        }
    }

    /// <summary>
    /// What <paramref name="backups"/> (from <see cref="List(DateTimeOffset, CancellationToken)"/>) take and what sharing
    /// saves: the Complete ones' folders are walked once together, a file hard-linked into several counted once.
    /// </summary>
    public JameyBackupRepositorySummary Summarize(IReadOnlyCollection<JameyBackup> backups, CancellationToken ct = default)
    {
        var complete = backups.Where(b => b.Status == BackupStatus.Complete).ToList();
        long stored = complete.Sum(b => b.StoredSize);
        long disk = Metrics.DiskUsage.Measure(complete.Select(b => b.Path), ct);
        // Savings compare like with like: stored files only (StoredSize excludes the manifests).
        long storedOnDisk = Metrics.DiskUsage.Measure(complete.Select(b => Path.Combine(b.Path, Manifest.FilesFolder)), ct);
        return new JameyBackupRepositorySummary
        {
            RepositoryPath = Root,
            Backups = backups.Count,
            Complete = complete.Count,
            TotalSize = complete.Sum(b => b.TotalSize),
            StoredSize = stored,
            DiskSize = disk,
            SharingSaves = Math.Max(0, stored - storedOnDisk),
            StagingSize = Metrics.DiskUsage.Measure([StagingDirectory], ct),
        };
    }

    /// <summary>True for a backup that may be called "the newest": Complete and not dated in the future.</summary>
    public static bool IsCurrent(JameyBackup b) => b.Status == BackupStatus.Complete && !b.InFuture;

    /// <summary>Flags a Complete backup whose id is not its manifest's time (Damaged) or whose time lies in the future (warned).</summary>
    static JameyBackup CheckTime(JameyBackup b, DateTimeOffset now)
    {
        if (b.Status != BackupStatus.Complete) return b;
        if (TimeFromId(b.BackupId) is not { } idTime)
            return Damaged(b, $"its id '{b.BackupId}' is not a backup timestamp ({IdFormat}); it was not named by Jamey3");
        if ((idTime - b.Timestamp).Duration() > IdTolerance)
            return Damaged(b, $"its id says {idTime:yyyy-MM-dd HH:mm:ss} UTC but its manifest records {b.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        if (b.Timestamp > now + FutureTolerance)
        {
            b.InFuture = true;
            b.Warning = $"dated {b.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, {Ahead(b.Timestamp - now)} ahead of this machine's clock (was the clock wrong?); " +
                "it is never counted as the newest backup, and retention keeps it without counting it; remove it by id once checked";
        }
        return b;
    }

    static string Ahead(TimeSpan t) => t.TotalDays >= 1 ? $"{t.TotalDays:0.#} days" : t.TotalHours >= 1 ? $"{t.TotalHours:0.#} hours" : $"{t.TotalMinutes:0} minutes";

    static DateTimeOffset FolderTime(string dir) => new(Directory.GetCreationTimeUtc(dir), TimeSpan.Zero);

    /// <summary>
    /// The createdAt a manifest records, read from its first few KiB only (it comes before the file list), so ranking
    /// a thousand backups reads a few MiB, not every file list. Null when missing, unreadable or not found there.
    /// </summary>
    static DateTimeOffset? ManifestTime(string backupDir)
    {
        try
        {
            using var fs = new FileStream(Path.Combine(backupDir, Manifest.FileName), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[4096];
            int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var reader = new System.Text.Json.Utf8JsonReader(head[..n], isFinalBlock: n < head.Length, state: default);
            while (reader.Read())
            {
                if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("createdAt"u8))
                {
                    if (!reader.Read()) return null;
                    return reader.TokenType == System.Text.Json.JsonTokenType.String && reader.TryGetDateTimeOffset(out var t) ? t : null;
                }
                if (reader.CurrentDepth == 1 && reader.TokenType is System.Text.Json.JsonTokenType.StartArray or System.Text.Json.JsonTokenType.StartObject)
                {
                    if (!reader.TrySkip()) return null; // the list runs past the head: createdAt was not before it
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { }
        return null;
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
            // The listing's fast reader: the same checks and outcomes as Manifest.Load, at a fraction of its cost.
            var manifest = ManifestReader.Load(Path.Combine(dir, Manifest.FileName));
            var backup = FromManifest(manifest, dir, Root);
            if (manifest.BackupId != backupId)
                return Damaged(backup, $"its manifest names backup '{manifest.BackupId}'");
            // One lstat per stored file, as the presence check needs anyway, also gives its link count: a file with one
            // link belongs to this backup alone (UniqueSize, what removing it frees).
            long unique = 0;
            bool linksKnown = true;
            foreach (var part in manifest.Files.SelectMany(f => f.StoredParts()))
            {
                var info = Metrics.DiskUsage.FileLinks(Path.Combine(dir, part.Stored));
                if (info is not { } f) return Damaged(backup, $"file '{part.Stored}' is missing");
                if (!f.IsFile) return Damaged(backup, $"file '{part.Stored}' is a link or folder, not a file");
                if (f.Length != part.StoredSize) return Damaged(backup, $"file '{part.Stored}' is {f.Length} bytes, the manifest says {part.StoredSize}");
                if (f.Links == 0) linksKnown = false;
                else if (f.Links == 1) unique += f.Length;
            }
            backup.UniqueSize = linksKnown ? unique : null;
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

    /// <summary>
    /// Deletes every staging folder: while the caller holds the writer lock (<paramref name="writer"/> proves it), no
    /// run is writing one, so each was left by a run that died, often with an uncompressed database snapshot in it.
    /// Returns how many folders and bytes were freed; a folder that cannot be deleted is reported through
    /// <paramref name="warn"/> and left (it lists as Incomplete, never as a backup).
    /// </summary>
    public (int Folders, long Bytes) RemoveStagingLeftovers(RepositoryLock writer, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!Directory.Exists(StagingDirectory)) return (0, 0);
        int folders = 0;
        long bytes = 0;
        foreach (var dir in Directory.GetDirectories(StagingDirectory))
        {
            long size = Metrics.DiskUsage.Measure(dir);
            try
            {
                // Directory.Delete removes links themselves, never what they point to.
                Directory.Delete(dir, recursive: true);
                folders++;
                bytes += size;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn?.Invoke($"Could not remove '{dir}', left by a backup run that did not finish: {e.Message}.");
            }
        }
        if (folders > 0)
        {
            IO.Durability.FlushDirectory(StagingDirectory);
            warn?.Invoke($"Removed {folders} staging folder(s) left by backup runs that did not finish ({bytes:N0} bytes).");
        }
        return (folders, bytes);
    }

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
