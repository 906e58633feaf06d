using Microsoft.Data.Sqlite;

namespace Jamey3.SampleData;

/// <summary>Schema and statements for <c>jamey.db</c>: the one definition the generator, the simulator and the tests' own data builders share.</summary>
public static class SampleDatabase
{
    public const string InsertSql =
        "INSERT INTO memory_records (id, content, timestamp, layer, emotional_tags, context_associations, created_at, updated_at) " +
        "VALUES ($id, $content, $timestamp, $layer, $tags, $assoc, $created, $updated)";

    public const string UpdateSql = "UPDATE memory_records SET content = $content, updated_at = $updated WHERE id = $id";

    /// <summary>
    /// Opens a connection outside the pool: a pooled connection would keep the file open (and the
    /// WAL un-checkpointed) after Dispose, which is not what a process that "closes" the db means.
    /// </summary>
    public static SqliteConnection Open(string dbPath, bool create)
    {
        var csb = new SqliteConnectionStringBuilder
        {
            DataSource = dbPath,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        };
        var conn = new SqliteConnection(csb.ToString());
        conn.Open();
        return conn;
    }

    public static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    /// <summary>Switches to WAL (persisted in the file header) and fails loudly if SQLite refuses.</summary>
    public static void EnableWal(SqliteConnection conn)
    {
        var mode = Convert.ToString(Scalar(conn, "PRAGMA journal_mode=WAL;"));
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode is '{mode}').");
    }

    public static void CreateSchema(SqliteConnection conn, string instanceId, string createdAtIso)
    {
        using var tx = conn.BeginTransaction();
        Exec(conn, """
            CREATE TABLE IF NOT EXISTS app_metadata (
                key TEXT PRIMARY KEY,
                value TEXT,
                updated_at TEXT
            );
            CREATE TABLE IF NOT EXISTS memory_records (
                id TEXT PRIMARY KEY,
                content TEXT NOT NULL,
                timestamp TEXT,
                layer TEXT,
                emotional_tags TEXT,
                context_associations TEXT,
                created_at TEXT,
                updated_at TEXT
            );
            CREATE INDEX IF NOT EXISTS idx_memory_records_layer_timestamp ON memory_records (layer, timestamp);
            """);
        using (var cmd = conn.CreateCommand())
        {
            // Existing rows win: a simulator opening a generated directory must not rewrite its identity.
            cmd.CommandText = "INSERT OR IGNORE INTO app_metadata (key, value, updated_at) VALUES ($k, $v, $t)";
            var k = cmd.Parameters.Add("$k", SqliteType.Text);
            var v = cmd.Parameters.Add("$v", SqliteType.Text);
            cmd.Parameters.AddWithValue("$t", createdAtIso);
            foreach (var (key, value) in new[]
                     {
                         ("schema_version", JameyLayout.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                         ("instance_id", instanceId),
                         ("created_at", createdAtIso),
                         ("app_name", "Jamey 3.0"),
                         ("embedding_model", "none"),
                     })
            {
                k.Value = key;
                v.Value = value;
                cmd.ExecuteNonQuery();
            }
        }
        if (Convert.ToInt64(Scalar(conn, "PRAGMA user_version;")) == 0)
            Exec(conn, $"PRAGMA user_version = {JameyLayout.SchemaVersion};");
        tx.Commit();
    }

    /// <summary>Prepared insert and update statements whose parameters are reused for every row.</summary>
    public sealed class RecordWriter : IDisposable
    {
        private readonly SqliteCommand _cmd;
        private readonly SqliteParameter _id, _content, _timestamp, _layer, _tags, _assoc, _created, _updated;
        private readonly SqliteCommand _upd;
        private readonly SqliteParameter _updId, _updContent, _updUpdated;

        public RecordWriter(SqliteConnection conn)
        {
            _upd = conn.CreateCommand();
            _upd.CommandText = UpdateSql;
            _updId = _upd.Parameters.Add("$id", SqliteType.Text);
            _updContent = _upd.Parameters.Add("$content", SqliteType.Text);
            _updUpdated = _upd.Parameters.Add("$updated", SqliteType.Text);
            _upd.Prepare();

            _cmd = conn.CreateCommand();
            _cmd.CommandText = InsertSql;
            _id = _cmd.Parameters.Add("$id", SqliteType.Text);
            _content = _cmd.Parameters.Add("$content", SqliteType.Text);
            _timestamp = _cmd.Parameters.Add("$timestamp", SqliteType.Text);
            _layer = _cmd.Parameters.Add("$layer", SqliteType.Text);
            _tags = _cmd.Parameters.Add("$tags", SqliteType.Text);
            _assoc = _cmd.Parameters.Add("$assoc", SqliteType.Text);
            _created = _cmd.Parameters.Add("$created", SqliteType.Text);
            _updated = _cmd.Parameters.Add("$updated", SqliteType.Text);
            _cmd.Prepare();
        }

        public SqliteTransaction? Transaction
        {
            get => _cmd.Transaction;
            set => _cmd.Transaction = _upd.Transaction = value;
        }

        /// <summary>Inserts the record, or for <see cref="MemoryRecord.IsUpdate"/> rewrites its content; returns rows affected.</summary>
        public int Write(MemoryRecord r)
        {
            if (!r.IsUpdate) return Insert(r);
            _updId.Value = r.Id;
            _updContent.Value = r.Content;
            _updUpdated.Value = MemoryRecord.Iso(r.UpdatedAt);
            return _upd.ExecuteNonQuery();
        }

        public int Insert(MemoryRecord r)
        {
            _id.Value = r.Id;
            _content.Value = r.Content;
            _timestamp.Value = MemoryRecord.Iso(r.Timestamp);
            _layer.Value = r.Layer;
            _tags.Value = r.EmotionalTagsJson;
            _assoc.Value = r.ContextAssociationsJson;
            _created.Value = MemoryRecord.Iso(r.CreatedAt);
            _updated.Value = MemoryRecord.Iso(r.UpdatedAt);
            return _cmd.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _cmd.Dispose();
            _upd.Dispose();
        }
    }
}
