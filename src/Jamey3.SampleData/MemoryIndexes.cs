using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace Jamey3.SampleData;

/// <summary>Lucene pieces shared by the generator, the simulator and the tests' data builders: writer setup and the document shape.</summary>
public static class MemoryIndexes
{
    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>
    /// Opens an IndexWriter on <paramref name="indexPath"/>, refusing if another process holds the index.
    /// </summary>
    /// <remarks>
    /// Lucene.NET 4.8's lock on Linux/macOS takes a shared OS lock on write.lock, so a second process's
    /// IndexWriter would get in too and the two would delete each other's files. IsLocked probes with an
    /// exclusive lock and does see the other process, so it is checked first (a small race remains).
    /// </remarks>
    /// <exception cref="LockObtainFailedException">The index is already held by a writer.</exception>
    public static IndexWriter OpenWriter(string indexPath, OpenMode mode, double ramBufferMB, MergePolicy? mergePolicy = null,
        IMergeScheduler? mergeScheduler = null)
    {
        System.IO.Directory.CreateDirectory(indexPath);
        var dir = FSDirectory.Open(indexPath);
        try
        {
            if (IndexWriter.IsLocked(dir))
                throw new LockObtainFailedException($"Index '{indexPath}' is locked by another writer (is Jamey, or a simulator, running?).");
            var config = new IndexWriterConfig(Version, new StandardAnalyzer(Version))
            {
                OpenMode = mode,
                RAMBufferSizeMB = ramBufferMB,
            };
            if (mergePolicy is not null) config.MergePolicy = mergePolicy;
            if (mergeScheduler is not null) config.MergeScheduler = mergeScheduler;
            return new IndexWriter(dir, config);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Closes the writer (committing what is pending unless <paramref name="rollback"/>) and its directory.</summary>
    public static void Close(IndexWriter writer, bool rollback, bool waitForMerges = true)
    {
        var dir = writer.Directory;
        try
        {
            if (rollback) writer.Rollback();
            else writer.Dispose(waitForMerges);
        }
        finally
        {
            dir.Dispose();
        }
    }

    /// <summary>
    /// One reusable document: Lucene copies field values during AddDocument, so a single instance
    /// per thread avoids allocating three fields per record.
    /// </summary>
    public sealed class DocBuilder
    {
        private readonly StringField _id = new("id", "", Field.Store.YES);
        private readonly TextField _content = new("content", "", Field.Store.YES);
        private readonly Int64Field _timestamp = new("timestamp", 0L, Field.Store.YES);

        public DocBuilder()
        {
            Document = [_id, _content, _timestamp];
        }

        public Document Document { get; }

        public Document Fill(string id, string content, DateTime timestampUtc)
        {
            _id.SetStringValue(id);
            _content.SetStringValue(content);
            _timestamp.SetInt64Value(MemoryRecord.UnixMs(timestampUtc));
            return Document;
        }
    }
}
