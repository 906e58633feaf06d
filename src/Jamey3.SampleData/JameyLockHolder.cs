using Lucene.Net.Index;
using Microsoft.Data.Sqlite;

namespace Jamey3.SampleData;

/// <summary>
/// An idle running Jamey: the database connection is open (WAL index mapped) and every index has an
/// open IndexWriter holding its <c>write.lock</c>, but nothing is written. Restore code must notice this
/// and refuse. Disposing rolls the writers back, so the data directory is left as it was found
/// (apart from Lucene's lock files and SQLite's -wal/-shm bookkeeping).
/// </summary>
public sealed class JameyLockHolder : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly List<IndexWriter> _writers = [];
    private bool _disposed;

    /// <exception cref="DirectoryNotFoundException"><paramref name="dataPath"/> does not exist.</exception>
    /// <exception cref="Lucene.Net.Store.LockObtainFailedException">Another writer already holds an index.</exception>
    public JameyLockHolder(string dataPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        DataPath = Path.GetFullPath(dataPath);
        if (!Directory.Exists(DataPath))
            throw new DirectoryNotFoundException($"Data directory '{DataPath}' does not exist.");

        _db = SampleDatabase.Open(JameyLayout.DatabasePath(DataPath), create: true);
        try
        {
            // Reading the schema opens the WAL index (-shm) and takes the shared lock a live connection keeps.
            SampleDatabase.Scalar(_db, "PRAGMA journal_mode;");
            SampleDatabase.Scalar(_db, "SELECT count(*) FROM sqlite_master;");
            foreach (var name in JameyLayout.IndexNames)
                _writers.Add(MemoryIndexes.OpenWriter(JameyLayout.IndexPath(DataPath, name), OpenMode.CREATE_OR_APPEND, 1.0));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string DataPath { get; }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _writers)
        {
            try { MemoryIndexes.Close(w, rollback: true); }
            catch (ObjectDisposedException) { }
        }
        _writers.Clear();
        _db.Dispose();
    }
}
