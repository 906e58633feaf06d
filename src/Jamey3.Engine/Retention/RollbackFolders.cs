using Jamey3.Engine.Errors;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;

namespace Jamey3.Engine.Retention;

public sealed class RollbackNotFoundException(string operationId, string dataPath)
    : JameyException(JameyErrors.RollbackNotFound,
        $"No rollback folder of a finished restore '{operationId}' in '{RestoreEngine.WorkRoot(dataPath)}' (an unfinished restore's folder is left to Restore-JameyBackup -Recover).",
        operationId);

/// <summary>
/// The rollback folders committed restores leave in a data directory (&lt;data&gt;/.jamey3-restore/&lt;operation&gt;/rollback),
/// each a full copy of the data the restore replaced, kept so the restore can be undone by hand. Only folders of
/// restores whose journal says Committed are listed or removed: an unfinished restore's folder is what recovery needs.
/// Removal holds the data directory's restore lock, so it never races a restore. Only rollback/ is deleted (and the
/// operation folder once nothing else is left in it): anything a restore moved aside into displaced/ stays.
/// </summary>
public static class RollbackFolders
{
    /// <summary>The rollback folders of committed restores in <paramref name="dataPath"/>, newest first. None when it has no restore work folder.</summary>
    public static IReadOnlyList<JameyRollback> List(string dataPath, CancellationToken ct = default)
    {
        var data = Path.GetFullPath(dataPath);
        var work = RestoreEngine.WorkRoot(data);
        var result = new List<JameyRollback>();
        if (!Directory.Exists(work) || new DirectoryInfo(work).LinkTarget is not null) return result;
        foreach (var opDir in Directory.EnumerateDirectories(work))
        {
            ct.ThrowIfCancellationRequested();
            if (Read(data, opDir) is { } r) result.Add(r);
        }
        return result.OrderByDescending(r => r.RestoredAt).ThenByDescending(r => r.OperationId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Bytes the rollback folders of <paramref name="dataPath"/> hold: 0 when there are none, or when the data directory
    /// cannot be read (the exporter may run as a user that cannot; that must not make the repository look unreadable).
    /// </summary>
    public static long Size(string dataPath, CancellationToken ct = default)
    {
        try { return List(dataPath, ct).Sum(r => r.Size); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    static JameyRollback? Read(string data, string opDir)
    {
        RestoreJournal? journal;
        try { journal = RestoreJournal.TryLoad(opDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return null; }
        var rollback = Path.Combine(opDir, "rollback");
        if (journal is not { State: RestoreJournalState.Committed } || !Directory.Exists(rollback) || new DirectoryInfo(rollback).LinkTarget is not null)
            return null;
        long size = DiskUsage.Measure([rollback]);
        if (size == 0 && !Directory.EnumerateFiles(rollback, "*", SearchOption.AllDirectories).Any()) return null;
        return new JameyRollback
        {
            OperationId = Path.GetFileName(opDir), RestoredBackupId = journal.BackupId, RestoredAt = journal.UpdatedAt, DataPath = data,
            Path = rollback, Components = journal.Components.Where(c => c.HadOld).Select(c => c.Component).ToArray(), Size = size,
        };
    }

    /// <summary>
    /// What retention does with them: it keeps the newest (the undo of the latest restore) while it is younger than
    /// <paramref name="maxAge"/> (always, without an age limit), and removes every other: an older restore's undo
    /// would put back data that a later restore replaced again.
    /// </summary>
    public static List<(JameyRollback Rollback, RetentionAction Action, string Reason)> Plan(string dataPath, TimeSpan? maxAge, DateTimeOffset now)
    {
        var list = List(dataPath);
        var plan = new List<(JameyRollback, RetentionAction, string)>();
        for (int i = 0; i < list.Count; i++)
        {
            var r = list[i];
            var age = now - r.RestoredAt;
            if (i > 0)
                plan.Add((r, RetentionAction.Remove, $"rollback folder of an older restore (of backup {r.RestoredBackupId}, {age.TotalDays:0.#} days ago); a later restore replaced that data again"));
            else if (maxAge is { } max && age > max)
                plan.Add((r, RetentionAction.Remove, $"rollback folder of the latest restore, {age.TotalDays:0.#} days old; the policy keeps {max.TotalDays:0.#} days"));
            else
                plan.Add((r, RetentionAction.Keep, $"rollback folder of the latest restore (of backup {r.RestoredBackupId}): the undo of that restore"));
        }
        return plan;
    }

    /// <summary>
    /// Removes the rollback folders of these operations, under the data directory's restore lock. Returns those
    /// removed; an id that is not a committed restore's rollback folder is a <see cref="RollbackNotFoundException"/>
    /// in <paramref name="refusals"/>.
    /// </summary>
    public static List<JameyRollback> Remove(string dataPath, IEnumerable<string> operationIds, TimeSpan lockTimeout, List<JameyException> refusals,
        Action<string>? warn = null, CancellationToken ct = default)
    {
        var data = Path.GetFullPath(dataPath);
        var removed = new List<JameyRollback>();
        var ids = operationIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0) return removed;
        var work = RestoreEngine.WorkRoot(data);
        if (!Directory.Exists(work))
        {
            refusals.AddRange(ids.Select(id => new RollbackNotFoundException(id, data)));
            return removed;
        }
        using var restoreLock = RepositoryLock.Acquire(work, data, "Remove-JameyBackup", lockTimeout, ct);
        var current = List(data, ct).ToDictionary(r => r.OperationId, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            if (!Manifest.IsSafeRelativePath(id) || id.Contains('/') || !current.TryGetValue(id, out var r))
            {
                refusals.Add(new RollbackNotFoundException(id, data));
                continue;
            }
            try
            {
                // Directory.Delete removes links themselves, never what they point to.
                Directory.Delete(r.Path, recursive: true);
                var opDir = Path.GetDirectoryName(r.Path)!;
                if (!Directory.EnumerateDirectories(opDir).Any()) Directory.Delete(opDir, recursive: true); // only its journal was left
                IO.Durability.FlushDirectory(work);
                removed.Add(r);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn?.Invoke($"Could not remove the rollback folder '{r.Path}': {e.Message}.");
            }
        }
        return removed;
    }
}
