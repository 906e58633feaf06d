using System.Buffers.Binary;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Errors;
using Jamey3.Engine.IO;
using Jamey3.Engine.Repository;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Snapshots;

/// <summary>
/// Exactly the files of one Lucene commit point, pinned by open handles. A live IndexWriter
/// deletes the files of older commits after merges; the commit's files are read from its
/// segments_N, then every one is opened (sharing read, write and delete) before any is copied.
/// An open handle keeps an unlinked file readable, so once all are open the copy cannot tear;
/// if one already vanished, the round starts again with the newer commit.
/// Links are never followed: the folder may hold none, and each file is opened refusing a link (O_NOFOLLOW) and
/// anything that is not a regular file, so a link planted in the data directory cannot copy another file in.
/// </summary>
public sealed class LuceneCommitSnapshot : IDisposable
{
    public const int MaxAttempts = 50;

    LuceneCommitSnapshot(string indexPath, Manifest.IndexSummary summary, List<(string Name, FileStream Stream)> files, int attempts)
    {
        IndexPath = indexPath;
        Summary = summary;
        Files = files;
        Attempts = attempts;
    }

    public string IndexPath { get; }
    public Manifest.IndexSummary Summary { get; }
    /// <summary>The commit's files, segments_N included, each open at position 0.</summary>
    public IReadOnlyList<(string Name, FileStream Stream)> Files { get; }
    /// <summary>How many rounds it took (1 when no writer interfered).</summary>
    public int Attempts { get; }

    public static LuceneCommitSnapshot Take(string indexPath, CancellationToken ct)
    {
        if (!Directory.Exists(indexPath)) throw new DataPathNotFoundException(indexPath, "index folder");
        Exception? last = null;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            RefuseLinks(indexPath);
            var opened = new List<(string, FileStream)>();
            bool pinned = false;
            try
            {
                using var dir = new SimpleFSDirectory(new DirectoryInfo(indexPath), NoLockFactory.GetNoLockFactory());
                var infos = new SegmentInfos();
                infos.Read(dir);
                var names = infos.GetFiles(dir, includeSegmentsFile: true).OrderBy(n => n, StringComparer.Ordinal).ToList();
                foreach (var name in names)
                    opened.Add((name, OpenRegular(Path.Combine(indexPath, name))));
                long docs = 0, maxDoc = 0;
                foreach (var sci in infos.Segments)
                {
                    maxDoc += sci.Info.DocCount;
                    docs += sci.Info.DocCount - sci.DelCount;
                }
                var summary = new Manifest.IndexSummary
                {
                    SegmentsFile = infos.GetSegmentsFileName(),
                    SegmentsGeneration = infos.Generation,
                    SegmentCount = infos.Count,
                    DocumentCount = docs,
                    MaxDoc = maxDoc,
                };
                pinned = true;
                return new LuceneCommitSnapshot(indexPath, summary, opened, attempt);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IndexNotFoundException or EndOfStreamException or CorruptIndexException or IOException)
            {
                // A writer replaced the commit under us: release what we hold (below) and read the newer one.
                last = e;
                if (e is IndexNotFoundException && !Directory.EnumerateFiles(indexPath, "segments_*").Any())
                    throw new SnapshotException(JameyErrors.IndexNotFound, indexPath, $"'{indexPath}' holds no Lucene index (no segments_N file).", e);
                Thread.Sleep(Math.Min(5 * attempt, 100));
            }
            finally
            {
                if (!pinned) foreach (var (_, s) in opened) s.Dispose();
            }
        }
        throw new SnapshotException(JameyErrors.IndexSnapshotFailed, indexPath,
            $"Could not pin a consistent commit of the index '{indexPath}' in {MaxAttempts} attempts: {last?.Message}", last);
    }

    /// <summary>Refuses an index folder holding a link: Lucene would read the commit's files through it.</summary>
    static void RefuseLinks(string indexPath)
    {
        // The entry's type comes from the directory listing itself (no stat per file). A live writer deletes files
        // meanwhile, so a candidate is confirmed with its own lstat: a file that vanished is no link.
        var links = new System.IO.Enumeration.FileSystemEnumerable<string>(indexPath, (ref System.IO.Enumeration.FileSystemEntry e) => e.ToFullPath())
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => e.Attributes.HasFlag(FileAttributes.ReparsePoint),
        };
        foreach (var path in links)
            if (Durability.IsLink(path))
                throw new UnsafeDataPathException(path, $"it is a symbolic link (to '{new FileInfo(path).LinkTarget}') inside the index folder");
    }

    /// <summary>Opens one file of the commit, refusing a link (atomically, where the platform allows) or anything not a regular file.</summary>
    static FileStream OpenRegular(string path)
    {
        if (Directory.Exists(path)) throw new UnsafeDataPathException(path, "it is a folder where the index's commit names a file");
        var stream = Durability.OpenNoFollow(path)
            ?? throw new UnsafeDataPathException(path, $"it is a symbolic link (to '{new FileInfo(path).LinkTarget}')");
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new UnsafeDataPathException(path, "it is not a regular file (a pipe, socket or device)");
        }
        return stream;
    }

    /// <summary>The CRC32 recorded in a Lucene 4.8 file's footer, read from an open handle; null when the file has no footer.</summary>
    public static long? ReadFooterChecksum(FileStream stream)
    {
        const int FooterMagic = ~0x3fd76c17; // CodecUtil.FOOTER_MAGIC
        if (stream.Length < 16) return null;
        Span<byte> footer = stackalloc byte[16];
        long position = stream.Position;
        try
        {
            stream.Seek(-16, SeekOrigin.End);
            stream.ReadExactly(footer);
        }
        finally
        {
            stream.Position = position;
        }
        if (BinaryPrimitives.ReadInt32BigEndian(footer) != FooterMagic || BinaryPrimitives.ReadInt32BigEndian(footer[4..]) != 0) return null;
        return BinaryPrimitives.ReadInt64BigEndian(footer[8..]);
    }

    public void Dispose()
    {
        foreach (var (_, s) in Files) s.Dispose();
    }
}
