using System.Security.Cryptography;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.Snapshots;

/// <summary>
/// The direct reader of one read transaction's snapshot (database file overlaid with the WAL up to the reader's
/// mark): under a writer that commits and checkpoints (TRUNCATE attempts included) while it reads, with an empty
/// WAL, and with uncommitted frames beyond the last commit. Every snapshot must be exactly one committed state.
/// </summary>
public class WalSnapshotTests
{
    [Fact]
    public void Snapshots_read_slowly_under_a_writer_that_commits_and_checkpoints_are_each_exactly_one_committed_state()
    {
        using var dir = new TempDirectory("walsnap");
        var db = dir.Combine(DataLayout.DatabaseFile);
        using var writer = new StateWriter(db, autocheckpointPages: 16);
        // About 1 MB first, so that each slow read spans many of the writer's commits.
        for (int i = 0; i < 300; i++) writer.CommitOne();
        using var cts = new CancellationTokenSource();
        var writing = Task.Factory.StartNew(() => writer.Run(cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        int truncated = 0, truncateAttempts = 0;
        // Another connection keeps trying to checkpoint the whole WAL and truncate it, as an impatient Jamey might.
        var checkpointing = Task.Factory.StartNew(() =>
        {
            using var c = new SqliteConnection($"Data Source={db};Pooling=False");
            c.Open();
            Exec(c, "PRAGMA busy_timeout=2");
            while (!cts.IsCancellationRequested)
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                try
                {
                    using var r = cmd.ExecuteReader();
                    r.Read();
                    Interlocked.Increment(ref truncateAttempts);
                    if (r.GetInt64(0) == 0) Interlocked.Increment(ref truncated);
                }
                catch (SqliteException) { Interlocked.Increment(ref truncateAttempts); }
                Thread.Sleep(1);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            SpinWait.SpinUntil(() => writer.Commits > 20, TimeSpan.FromSeconds(20));
            int fromWal = 0, trials = 30, during = 0;
            for (int trial = 0; trial < trials; trial++)
            {
                var copy = dir.Combine($"snapshot-{trial}.db");
                long commitsBefore = writer.Commits;
                var (_, walPages, rows) = ReadSlowly(db, copy);
                if (writer.Commits > commitsBefore) during++;
                if (walPages > 0) fromWal++;
                var state = StateWriter.Check(copy);
                Assert.Equal(StateWriter.Expected(state).Count, rows["items"]);
            }
            Assert.True(during >= trials / 2, $"the writer committed during only {during} of {trials} reads");
            // How many find frames in the WAL depends on when the other connection's TRUNCATE last won (timing, load):
            // a few are enough to prove the overlay path ran under the writer.
            Assert.True(fromWal >= 3, $"only {fromWal} of {trials} snapshots took pages from the WAL");
            Assert.True(truncated > 0, $"no TRUNCATE checkpoint succeeded between reads ({truncateAttempts} attempts)");
        }
        finally
        {
            cts.Cancel();
            writing.Wait(TimeSpan.FromSeconds(30));
            checkpointing.Wait(TimeSpan.FromSeconds(30));
        }
        Assert.Null(writing.Exception);
    }

    [Fact]
    public void Backups_under_a_writer_that_commits_and_checkpoints_restore_to_exactly_one_committed_state()
    {
        using var dir = new TempDirectory("walsnap-backup");
        var data = dir.Combine("data");
        Directory.CreateDirectory(data);
        var db = Path.Combine(data, DataLayout.DatabaseFile);
        using var writer = new StateWriter(db, autocheckpointPages: 16);
        using var cts = new CancellationTokenSource();
        var writing = Task.Factory.StartNew(() => writer.Run(cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var repo = new BackupRepository(dir.Combine("repo"));
        try
        {
            SpinWait.SpinUntil(() => writer.Commits > 20, TimeSpan.FromSeconds(20));
            for (int i = 0; i < 6; i++)
            {
                var observer = new RecordingObserver();
                var backup = new BackupEngine(observer).Run(new BackupRequest(data, repo.Root) { Components = [JameyComponent.Database] });
                Assert.True(observer.Verboses.Any(v => v.StartsWith("Database: read the snapshot of one read transaction directly", StringComparison.Ordinal)),
                    string.Join("\n", observer.Verboses));
                var manifest = repo.LoadManifest(backup.BackupId);
                var file = manifest.Files.Single();
                var restored = dir.Combine($"restored-{i}.db");
                var (length, sha) = ContentStore.Extract(file.StoredParts().Select(p => (Path.Combine(backup.Path, p.Stored), p.Compression)).ToList(), restored, null, default);
                Assert.Equal((file.Size, file.Sha256), (length, sha));
                var state = StateWriter.Check(restored);
                var summary = manifest.Components.Single().Database!;
                Assert.Equal(StateWriter.Expected(state).Count, summary.RowCounts["items"]);
                Assert.Equal(StateWriter.ExpectedKeys(state).Count, summary.RowCounts["kv"]);
                Assert.Equal(1, summary.RowCounts["state"]);
                Assert.Equal("wal", summary.JournalMode);
                Assert.Equal(length, summary.PageCount * summary.PageSize);
            }
        }
        finally
        {
            cts.Cancel();
            writing.Wait(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void An_empty_WAL_and_a_missing_one_give_the_database_file_itself()
    {
        using var dir = new TempDirectory("walsnap-empty");
        var db = dir.Combine(DataLayout.DatabaseFile);
        using (var writer = new StateWriter(db, autocheckpointPages: 1000))
        {
            for (int i = 0; i < 40; i++) writer.CommitOne();
            Exec(writer.Connection, "PRAGMA wal_checkpoint(TRUNCATE)");
            Assert.Equal(0, new FileInfo(db + "-wal").Length);
            // The WAL is empty but was written before: the snapshot has mxFrame 0.
            var (maxFrame, walPages, rows) = ReadSlowly(db, dir.Combine("empty.db"));
            Assert.Equal((0u, 0), (maxFrame, walPages));
            Assert.Equal(40, StateWriter.Check(dir.Combine("empty.db")));
            Assert.Equal(StateWriter.Expected(40).Count, rows["items"]);
        }
        SqliteConnection.ClearAllPools();
        // The last connection closed and removed the WAL: opening again starts one nothing was ever written to.
        Assert.False(File.Exists(db + "-wal"));
        var fresh = dir.Combine("fresh.db");
        var (frames, pages, counts) = ReadSlowly(db, fresh);
        Assert.Equal((0u, 0), (frames, pages));
        Assert.Equal(40, StateWriter.Check(fresh));
        Assert.Equal(StateWriter.Expected(40).Count, counts["items"]);
        var original = File.ReadAllBytes(db);
        Assert.Equal(original, File.ReadAllBytes(fresh));
    }

    [Fact]
    public void Frames_of_a_transaction_not_yet_committed_are_not_part_of_the_snapshot()
    {
        using var dir = new TempDirectory("walsnap-uncommitted");
        var db = dir.Combine(DataLayout.DatabaseFile);
        using var writer = new StateWriter(db, autocheckpointPages: 100_000);
        for (int i = 0; i < 30; i++) writer.CommitOne();
        long committedWal = new FileInfo(db + "-wal").Length;
        // A tiny page cache makes SQLite spill the open transaction's pages into the WAL before it commits.
        Exec(writer.Connection, "PRAGMA cache_size=2");
        Exec(writer.Connection, "BEGIN");
        for (int i = 0; i < 200; i++) Exec(writer.Connection, $"INSERT INTO items (id, v) VALUES ({1_000_000 + i}, randomblob(3000))");
        Exec(writer.Connection, "UPDATE state SET n = 999999");
        Assert.True(new FileInfo(db + "-wal").Length > committedWal + 100 * 4096, "the open transaction must have written frames into the WAL");

        var (maxFrame, walPages, rows) = ReadSlowly(db, dir.Combine("live.db"));
        Assert.True(maxFrame > 0 && walPages > 0);
        Assert.Equal(30, StateWriter.Check(dir.Combine("live.db")));
        Assert.Equal(StateWriter.Expected(30).Count, rows["items"]);

        // The same WAL as a crashed writer leaves it: recovery keeps the committed frames only, and so does the snapshot.
        var crashed = dir.Combine("crashed");
        Directory.CreateDirectory(crashed);
        File.Copy(db, Path.Combine(crashed, DataLayout.DatabaseFile));
        File.Copy(db + "-wal", Path.Combine(crashed, DataLayout.DatabaseFile + "-wal"));
        Exec(writer.Connection, "ROLLBACK");
        var (crashFrames, _, crashRows) = ReadSlowly(Path.Combine(crashed, DataLayout.DatabaseFile), dir.Combine("crashed.db"));
        Assert.True(crashFrames > 0);
        Assert.Equal(30, StateWriter.Check(dir.Combine("crashed.db")));
        Assert.Equal(StateWriter.Expected(30).Count, crashRows["items"]);
    }

    [Fact]
    public void A_database_not_in_WAL_mode_is_copied_with_the_online_backup_API_and_says_so()
    {
        using var dir = new TempDirectory("walsnap-delete");
        var data = dir.Combine("data");
        Directory.CreateDirectory(data);
        var db = Path.Combine(data, DataLayout.DatabaseFile);
        using (var writer = new StateWriter(db, autocheckpointPages: 1000))
        {
            for (int i = 0; i < 20; i++) writer.CommitOne();
            Exec(writer.Connection, "PRAGMA journal_mode=DELETE");
        }
        SqliteConnection.ClearAllPools();
        var repo = new BackupRepository(dir.Combine("repo"));
        var observer = new RecordingObserver();
        var backup = new BackupEngine(observer).Run(new BackupRequest(data, repo.Root) { Components = [JameyComponent.Database] });
        Assert.Contains(observer.Verboses, v => v.StartsWith("Database: read with the online backup API: the database is in delete mode", StringComparison.Ordinal));
        var file = repo.LoadManifest(backup.BackupId).Files.Single();
        var restored = dir.Combine("restored.db");
        ContentStore.Extract(file.StoredParts().Select(p => (Path.Combine(backup.Path, p.Stored), p.Compression)).ToList(), restored, null, default);
        Assert.Equal(20, StateWriter.Check(restored));
        Assert.Equal("delete", repo.LoadManifest(backup.BackupId).Components.Single().Database!.JournalMode);
    }

    [Fact]
    public void Row_counts_from_the_pages_equal_COUNT_for_deep_trees_and_WITHOUT_ROWID_tables()
    {
        using var dir = new TempDirectory("walsnap-census");
        var db = dir.Combine(DataLayout.DatabaseFile);
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        Exec(c, "PRAGMA page_size=1024; PRAGMA journal_mode=WAL;");
        Exec(c, "CREATE TABLE deep (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE pairs (a TEXT, b INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID; CREATE TABLE empty (x);");
        Exec(c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) INSERT INTO deep SELECT i, printf('%0*d', 20 + i % 300, i) FROM n");
        Exec(c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO pairs SELECT printf('key-%0*d', 10 + i % 90, i), i FROM n");
        Exec(c, "DELETE FROM deep WHERE id % 7 = 0; DELETE FROM pairs WHERE b % 5 = 0;");
        var (_, _, rows) = ReadSlowly(db, dir.Combine("copy.db"), expectAllCounted: true);
        Assert.Equal(Count(c, "deep"), rows["deep"]);
        Assert.Equal(Count(c, "pairs"), rows["pairs"]);
        Assert.Equal(0, rows["empty"]);
    }

    static long Count(SqliteConnection c, string table)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>Reads one snapshot in small pieces with pauses (so writers and checkpointers act meanwhile) into <paramref name="copy"/>.</summary>
    static (uint MaxFrame, int WalPages, Dictionary<string, long> Rows) ReadSlowly(string db, string copy, bool expectAllCounted = true)
    {
        using var file = new FileStream(db, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var connection = SqliteSnapshot.OpenLive(db, TimeSpan.FromSeconds(10));
        using var snapshot = WalSnapshot.Open(connection, file.SafeFileHandle, db, countRows: true, TimeSpan.FromSeconds(10), out var reason);
        Assert.True(snapshot is not null, reason);
        using (var output = File.Create(copy))
        {
            // Whole pages per read, as the backup reads chunks, so the census sees every page.
            var buffer = new byte[snapshot.PageSize * 4];
            int n, reads = 0;
            while ((n = snapshot.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
            {
                output.Write(buffer, 0, n);
                if (++reads % 4 == 0) Thread.Sleep(1);
            }
        }
        var summary = SqliteSnapshot.Summarise(snapshot, out int bySql);
        if (expectAllCounted) Assert.Equal(0, bySql);
        Assert.Equal(new FileInfo(copy).Length, summary.PageCount * summary.PageSize);
        return (snapshot.MaxFrame, snapshot.WalPages, summary.RowCounts);
    }

    static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Commits numbered transactions whose resulting state is a pure function of the number: commit k inserts item k,
    /// rewrites an older item, deletes another now and then, replaces a key of a WITHOUT ROWID table and records k.
    /// Payloads of up to 6 KB spread rows over many pages, overflow pages included.
    /// </summary>
    sealed class StateWriter : IDisposable
    {
        public SqliteConnection Connection { get; }
        long _commits;
        public long Commits => Interlocked.Read(ref _commits);

        public StateWriter(string path, int autocheckpointPages)
        {
            Connection = new SqliteConnection($"Data Source={path};Pooling=False");
            Connection.Open();
            Exec(Connection, $"PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint={autocheckpointPages}; PRAGMA busy_timeout=5000;");
            Exec(Connection, "CREATE TABLE items (id INTEGER PRIMARY KEY, v BLOB NOT NULL); CREATE TABLE kv (k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID; " +
                "CREATE TABLE state (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL); INSERT INTO state VALUES (1, 0);");
        }

        public void Run(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested) { CommitOne(); Thread.Sleep(1); }
        }

        public void CommitOne()
        {
            long k = Commits + 1;
            using var tx = Connection.BeginTransaction();
            foreach (var (id, version) in Changes(k))
            {
                using var cmd = Connection.CreateCommand();
                cmd.Transaction = tx;
                if (version < 0) { cmd.CommandText = "DELETE FROM items WHERE id = $id"; }
                else
                {
                    cmd.CommandText = "INSERT OR REPLACE INTO items (id, v) VALUES ($id, $v)";
                    cmd.Parameters.AddWithValue("$v", Payload(id, version));
                }
                cmd.Parameters.AddWithValue("$id", id);
                cmd.ExecuteNonQuery();
            }
            using (var cmd = Connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR REPLACE INTO kv VALUES ($k, $n); UPDATE state SET n = $n";
                cmd.Parameters.AddWithValue("$k", Key(k));
                cmd.Parameters.AddWithValue("$n", k);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
            Interlocked.Increment(ref _commits);
        }

        static string Key(long k) => $"key-{k % 97:D3}";

        /// <summary>What commit k does to items: (id, version), version -1 for a delete.</summary>
        static IEnumerable<(long Id, long Version)> Changes(long k)
        {
            yield return (k, k);
            if (k > 3) yield return (1 + k * 7919 % (k - 1), k);
            if (k > 60 && k % 5 == 0) yield return (k - 50, -1);
        }

        static byte[] Payload(long id, long version)
        {
            var bytes = new byte[100 + (int)(id * 37 % 6000)];
            new Random((int)(id * 100_003 + version)).NextBytes(bytes);
            return bytes;
        }

        /// <summary>The items (id, version) after commit n.</summary>
        public static Dictionary<long, long> Expected(long n)
        {
            var items = new Dictionary<long, long>();
            for (long k = 1; k <= n; k++)
                foreach (var (id, version) in Changes(k))
                    if (version < 0) items.Remove(id); else items[id] = version;
            return items;
        }

        public static Dictionary<string, long> ExpectedKeys(long n)
        {
            var keys = new Dictionary<string, long>();
            for (long k = 1; k <= n; k++) keys[Key(k)] = k;
            return keys;
        }

        /// <summary>Checks a copy: integrity_check passes and every row is that of the state its commit number names; returns the number.</summary>
        public static long Check(string copy)
        {
            using var c = SqliteSnapshot.OpenImmutable(copy);
            Assert.Empty(SqliteSnapshot.IntegrityCheck(copy, default));
            long n;
            using (var cmd = c.CreateCommand()) { cmd.CommandText = "SELECT n FROM state"; n = (long)cmd.ExecuteScalar()!; }
            var expected = Expected(n);
            var seen = 0;
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT id, v FROM items";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    long id = r.GetInt64(0);
                    Assert.True(expected.TryGetValue(id, out var version), $"item {id} is not in state {n}");
                    Assert.True(((byte[])r[1]).AsSpan().SequenceEqual(Payload(id, version)), $"item {id} is not version {version} of state {n}");
                    seen++;
                }
            }
            Assert.Equal(expected.Count, seen);
            var keys = ExpectedKeys(n);
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT k, n FROM kv";
                using var r = cmd.ExecuteReader();
                int count = 0;
                while (r.Read()) { Assert.Equal(keys[r.GetString(0)], r.GetInt64(1)); count++; }
                Assert.Equal(keys.Count, count);
            }
            return n;
        }

        public void Dispose() => Connection.Dispose();
    }
}
