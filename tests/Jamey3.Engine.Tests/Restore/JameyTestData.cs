using System.Globalization;
using System.Security.Cryptography;
using Jamey3.Engine.Data;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Microsoft.Data.Sqlite;
using Jamey3.SampleData;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>
/// A small Jamey 3.0 data directory, tiny and deterministic for tests that compare every row and document: the
/// sample-data library's schema (<see cref="SampleDatabase.CreateSchema"/>) and index writer
/// (<see cref="MemoryIndexes.OpenWriter"/>), the ones the generator and the simulated Jamey use, filled with a few
/// rows and documents of known content.
/// </summary>
internal static class JameyTestData
{
    public static readonly JameyComponent[] Layers = [.. DataLayout.MemoryLayers];

    public static void Create(string dataPath, int seed, int records = 30)
    {
        Directory.CreateDirectory(dataPath);
        using (var c = OpenDb(dataPath))
        {
            SampleDatabase.EnableWal(c);
            SampleDatabase.CreateSchema(c, $"test-{seed}", "2024-01-01T00:00:00Z");
            Exec(c, $"INSERT INTO app_metadata VALUES ('seed', '{seed}', '2024-01-01T00:00:00Z')");
            AddRecords(c, seed, 0, records);
        }
        SqliteConnection.ClearAllPools();
        foreach (var layer in Layers)
        {
            using var w = OpenWriter(DataLayout.FullPath(dataPath, layer));
            for (int i = 0; i < records / 2 + 3; i++) w.AddDocument(Doc(seed, layer, i));
            w.Commit();
        }
    }

    /// <summary>Changes every component: new rows and documents, some updated, some deleted.</summary>
    public static void Mutate(string dataPath, int seed, IEnumerable<JameyComponent>? only = null)
    {
        var which = (only ?? DataLayout.All).ToHashSet();
        if (which.Contains(JameyComponent.Database))
        {
            using var c = OpenDb(dataPath);
            AddRecords(c, seed, 1000, 7);
            Exec(c, "UPDATE memory_records SET content = content || ' (revised)', updated_at = '2025-06-01T00:00:00Z' WHERE rowid % 3 = 0");
            Exec(c, "DELETE FROM memory_records WHERE rowid % 5 = 0");
            Exec(c, "UPDATE app_metadata SET value = 'mutated' WHERE key = 'seed'");
        }
        SqliteConnection.ClearAllPools();
        foreach (var layer in Layers.Where(which.Contains))
        {
            using var w = OpenWriter(DataLayout.FullPath(dataPath, layer));
            for (int i = 0; i < 5; i++) w.AddDocument(Doc(seed + 7, layer, 500 + i));
            w.DeleteDocuments(new Term("id", $"{layer}-1"));
            w.UpdateDocument(new Term("id", $"{layer}-2"), Doc(seed + 9, layer, 2));
            w.Commit();
        }
    }

    static void AddRecords(SqliteConnection c, int seed, int start, int count)
    {
        var rnd = new Random(seed * 7919 + start);
        using var tx = c.BeginTransaction();
        for (int i = start; i < start + count; i++)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO memory_records VALUES ($id, $content, $ts, $layer, $tags, $ctx, $ts, $ts)";
            cmd.Parameters.AddWithValue("$id", $"mem-{seed}-{i:D5}");
            cmd.Parameters.AddWithValue("$content", Sentence(rnd, 12 + rnd.Next(30)));
            cmd.Parameters.AddWithValue("$ts", new DateTime(2024, 1, 1).AddMinutes(i * 37 + seed).ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$layer", Layers[i % Layers.Length].ToString());
            cmd.Parameters.AddWithValue("$tags", $"[\"{(rnd.Next(2) == 0 ? "joy" : "curiosity")}\"]");
            cmd.Parameters.AddWithValue("$ctx", $"[\"mem-{seed}-{Math.Max(0, i - 1):D5}\"]");
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    static readonly string[] Words = "the assistant remembers a quiet morning walk coffee with Jamey about music rivers code tea planning weekend travel notes idea".Split(' ');

    static string Sentence(Random rnd, int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[rnd.Next(Words.Length)]));

    static Document Doc(int seed, JameyComponent layer, int i)
    {
        var rnd = new Random(seed * 31 + i + (int)layer * 1000);
        return
        [
            new StringField("id", $"{layer}-{i}", Field.Store.YES),
            new TextField("content", $"{layer} memory {i}: {Sentence(rnd, 20 + rnd.Next(40))}", Field.Store.YES),
            new StringField("timestamp", new DateTime(2024, 2, 1).AddMinutes(i * 11 + seed).ToString("O", CultureInfo.InvariantCulture), Field.Store.YES),
        ];
    }

    /// <summary>Jamey's IndexWriter (Lucene's default 16 MB buffer), refusing an index another writer holds.</summary>
    public static IndexWriter OpenWriter(string indexPath) => MemoryIndexes.OpenWriter(indexPath, OpenMode.CREATE_OR_APPEND, 16);

    public static SqliteConnection OpenDb(string dataPath)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataPath, DataLayout.DatabaseFile), Pooling = false }.ToString());
        c.Open();
        return c;
    }

    public static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Like Jamey killed mid-run: jamey.db plus a -wal holding committed rows that were never checkpointed.
    /// Made by copying the files while the writing connection is still open.
    /// </summary>
    public static void LeaveHotWal(string dataPath, int seed)
    {
        var work = Path.Combine(Path.GetTempPath(), "jamey3-hotwal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var db = Path.Combine(dataPath, DataLayout.DatabaseFile);
            File.Copy(db, Path.Combine(work, DataLayout.DatabaseFile));
            using (var c = OpenDb(work))
            {
                Exec(c, "PRAGMA wal_autocheckpoint=0");
                AddRecords(c, seed, 2000, 5);
                Exec(c, "UPDATE app_metadata SET value = 'only-in-wal' WHERE key = 'schema_version'");
                File.Copy(Path.Combine(work, DataLayout.DatabaseFile), db, overwrite: true);
                File.Copy(Path.Combine(work, DataLayout.DatabaseFile + "-wal"), db + "-wal", overwrite: true);
            }
            foreach (var s in new[] { "-shm" }) File.Delete(db + s);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every row of every table, keyed "table/primary key", read from a private copy (the original is not opened).</summary>
    public static SortedDictionary<string, string> DumpRows(string dataPath)
    {
        var work = Path.Combine(Path.GetTempPath(), "jamey3-dump-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var db = Path.Combine(dataPath, DataLayout.DatabaseFile);
            File.Copy(db, Path.Combine(work, DataLayout.DatabaseFile));
            if (File.Exists(db + "-wal")) File.Copy(db + "-wal", Path.Combine(work, DataLayout.DatabaseFile + "-wal"));
            var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
            using (var c = OpenDb(work))
            {
                foreach (var (table, key) in new[] { ("app_metadata", "key"), ("memory_records", "id") })
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = $"SELECT * FROM {table} ORDER BY {key}";
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                    {
                        var values = Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "<null>" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture));
                        rows[$"{table}/{r.GetString(0)}"] = string.Join("\u001f", values);
                    }
                }
            }
            return rows;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every live document of an index: id → stored fields.</summary>
    public static SortedDictionary<string, string> DumpIndex(string indexPath)
    {
        var docs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var dir = new SimpleFSDirectory(new DirectoryInfo(indexPath), NoLockFactory.GetNoLockFactory());
        using var reader = DirectoryReader.Open(dir);
        var live = MultiFields.GetLiveDocs(reader);
        for (int i = 0; i < reader.MaxDoc; i++)
        {
            if (live is not null && !live.Get(i)) continue;
            var d = reader.Document(i);
            docs[d.Get("id")] = $"{d.Get("content")}\u001f{d.Get("timestamp")}";
        }
        return docs;
    }

    /// <summary>SHA-256 of every file under a folder (or of one file), by relative path; write.lock ignored.</summary>
    public static SortedDictionary<string, string> HashTree(string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(path)) { result[""] = HashFile(path); return result; }
        if (!Directory.Exists(path)) return result;
        foreach (var f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(f) == IndexWriter.WRITE_LOCK_NAME) continue;
            result[Path.GetRelativePath(path, f).Replace('\\', '/')] = HashFile(f);
        }
        return result;
    }

    /// <summary>Hashes of the whole data directory except the restore work folder.</summary>
    public static SortedDictionary<string, string> HashData(string dataPath)
    {
        var all = HashTree(dataPath);
        foreach (var k in all.Keys.Where(k => k.StartsWith(".jamey3-restore/", StringComparison.Ordinal)).ToList()) all.Remove(k);
        return all;
    }

    public static string HashFile(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>Hashes of one component's files in a data directory (a database's side files included).</summary>
    public static SortedDictionary<string, string> HashComponent(string dataPath, JameyComponent c)
    {
        if (c != JameyComponent.Database) return HashTree(DataLayout.FullPath(dataPath, c));
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "jamey.db", "jamey.db-wal", "jamey.db-shm", "jamey.db-journal" })
        {
            var p = Path.Combine(dataPath, name);
            if (File.Exists(p)) result[name] = HashFile(p);
        }
        return result;
    }

    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }
}
