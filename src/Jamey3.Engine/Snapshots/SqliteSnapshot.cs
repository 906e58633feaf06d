using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Snapshots;

/// <summary>
/// A consistent copy of a live SQLite database, taken with SQLite's online backup API in one step:
/// it holds one read transaction for the whole copy, so a WAL writer keeps writing and the copy is
/// exactly one committed state. (A stepped backup restarts on every write and may never finish.)
/// </summary>
public static class SqliteSnapshot
{
    /// <summary>Copies <paramref name="databasePath"/> to <paramref name="destination"/> (which must not exist) and summarises the copy.</summary>
    public static Manifest.DatabaseSummary Take(string databasePath, string destination, TimeSpan busyTimeout, CancellationToken ct)
    {
        Copy(databasePath, destination, busyTimeout, ct);
        return Summarise(destination);
    }

    /// <summary>Copies <paramref name="databasePath"/> to <paramref name="destination"/> (which must not exist) with the online backup API.</summary>
    public static void Copy(string databasePath, string destination, TimeSpan busyTimeout, CancellationToken ct)
    {
        if (!File.Exists(databasePath)) throw new DataPathNotFoundException(Path.GetDirectoryName(databasePath)!, $"database file {Path.GetFileName(databasePath)}");
        ct.ThrowIfCancellationRequested();
        try
        {
            using (var source = Open(databasePath, readOnly: true, busyTimeout))
            using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString()))
            {
                target.Open();
                source.BackupDatabase(target);
            }
            ct.ThrowIfCancellationRequested();
        }
        catch (SqliteException e)
        {
            throw new SnapshotException(JameyErrors.DatabaseSnapshotFailed, databasePath,
                $"Could not take a snapshot of the database '{databasePath}': {e.Message}", e);
        }
    }

    /// <summary>Page count, schema version, journal mode and rows per table of a database file that nothing else writes.</summary>
    public static Manifest.DatabaseSummary Summarise(string path)
    {
        using var c = OpenImmutable(path);
        var summary = new Manifest.DatabaseSummary
        {
            PageCount = Scalar<long>(c, "PRAGMA page_count"),
            PageSize = Scalar<long>(c, "PRAGMA page_size"),
            SchemaVersion = Scalar<long>(c, "PRAGMA user_version"),
            SqliteVersion = Scalar<string>(c, "SELECT sqlite_version()"),
            // immutable=1 reports 'delete'; the header's read/write version bytes tell WAL (2) from rollback (1).
            JournalMode = ReadHeaderJournalMode(path),
        };
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        foreach (var t in tables)
            summary.RowCounts[t] = Scalar<long>(c, $"SELECT COUNT(*) FROM \"{t.Replace("\"", "\"\"")}\"");
        return summary;
    }

    /// <summary>
    /// Opens the live database read-only for <see cref="WalSnapshot.Open"/> (which owns the connection from then on);
    /// the caller opens the database file itself before this, and closes it after the snapshot (see WalSnapshot's remarks).
    /// </summary>
    public static SqliteConnection OpenLive(string databasePath, TimeSpan busyTimeout)
    {
        try { return Open(databasePath, readOnly: true, busyTimeout); }
        catch (SqliteException e)
        {
            throw new SnapshotException(JameyErrors.DatabaseSnapshotFailed, databasePath,
                $"Could not take a snapshot of the database '{databasePath}': {e.Message}", e);
        }
    }

    /// <summary>
    /// The summary of a snapshot read directly, from its still open read transaction: the same fields as
    /// <see cref="Summarise(string)"/>; row counts from the pages' census where it can tell, COUNT(*) otherwise.
    /// </summary>
    public static Manifest.DatabaseSummary Summarise(WalSnapshot snapshot, out int countedBySql)
    {
        var c = snapshot.Connection;
        var header = snapshot.FileHeader;
        var summary = new Manifest.DatabaseSummary
        {
            PageCount = snapshot.PageCount,
            PageSize = snapshot.PageSize,
            SchemaVersion = Scalar<long>(c, "PRAGMA user_version"),
            SqliteVersion = Scalar<string>(c, "SELECT sqlite_version()"),
            JournalMode = header is null ? "unknown" : header[18] == 2 && header[19] == 2 ? "wal" : "delete",
        };
        countedBySql = 0;
        foreach (var (name, root) in snapshot.Census?.Tables ?? [])
        {
            if (snapshot.Census!.Count(root) is { } rows) summary.RowCounts[name] = rows;
            else
            {
                summary.RowCounts[name] = Scalar<long>(c, $"SELECT COUNT(*) FROM \"{name.Replace("\"", "\"\"")}\"");
                countedBySql++;
            }
        }
        return summary;
    }

    /// <summary>Runs PRAGMA integrity_check on a database file; returns the problems, empty when it is sound.</summary>
    public static IReadOnlyList<string> IntegrityCheck(string path, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            using var c = OpenImmutable(path);
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            using var r = cmd.ExecuteReader();
            var problems = new List<string>();
            while (r.Read())
            {
                var line = r.GetString(0);
                if (line != "ok") problems.Add(line);
            }
            return problems;
        }
        catch (SqliteException e)
        {
            return [$"SQLite could not open or read it: {e.Message}"];
        }
    }

    internal static string ReadHeaderJournalMode(string path)
    {
        Span<byte> header = stackalloc byte[20];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (fs.Read(header) < 20) return "unknown";
        return header[18] == 2 && header[19] == 2 ? "wal" : "delete";
    }

    static SqliteConnection Open(string path, bool readOnly, TimeSpan busyTimeout)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = (int)Math.Max(1, busyTimeout.TotalSeconds),
        }.ToString());
        c.Open();
        return c;
    }

    /// <summary>Opens a private copy without locks or side files (-wal, -shm): nobody else uses it.</summary>
    internal static SqliteConnection OpenImmutable(string path)
    {
        var uri = new Uri(Path.GetFullPath(path)).AbsoluteUri + "?immutable=1";
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = uri, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    static T Scalar<T>(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
