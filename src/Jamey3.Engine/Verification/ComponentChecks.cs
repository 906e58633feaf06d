using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.ExceptionServices;
using Jamey3.Engine.Data;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Snapshots;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Microsoft.Data.Sqlite;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Verification;

/// <summary>How much of a restored copy's structure is checked once its content hashes have passed.</summary>
public enum CheckDepth
{
    /// <summary>
    /// What a restore proves before its swap: the database header agrees with the file and the manifest (page size,
    /// page count, length); every Lucene file's footer CRC32 matches its content and the manifest; every index opens
    /// with the manifest's document count.
    /// </summary>
    Usable,
    /// <summary>Usable, plus PRAGMA quick_check and the row counts of the database (Test-JameyBackup's default).</summary>
    Standard,
    /// <summary>Usable, plus PRAGMA integrity_check and row counts, and Lucene's CheckIndex instead of a plain reader open.</summary>
    Deep,
}

/// <summary>
/// The structural checks of a restored copy, run after every file's content SHA-256 matched its manifest. The hashes
/// prove every byte equals what was captured; these prove the captured copy is one Jamey can open (a file damaged in
/// the live data before the backup read it hashes fine, but fails its Lucene footer or its SQLite structure). They run
/// side by side: the footer checks of every file, then the database and each index.
/// </summary>
public static class ComponentChecks
{
    const int FooterLength = 16;
    const int FooterMagic = ~0x3fd76c17; // Lucene's CodecUtil.FOOTER_MAGIC

    /// <summary>What the checks found for one component.</summary>
    public sealed class Outcome
    {
        public List<JameyBackupProblem> Problems { get; } = [];
        /// <summary>Index: live documents the opened index holds. Database: rows in memory_records (Standard and Deep).</summary>
        public long? Counted { get; set; }
    }

    /// <summary>
    /// Checks each of <paramref name="components"/> extracted under <paramref name="root"/>; returns one outcome per
    /// component, in the order given. <paramref name="files"/> are the manifest's entries (footer CRC32s).
    /// </summary>
    public static IReadOnlyList<Outcome> Run(string root, IReadOnlyList<Manifest.ComponentEntry> components, IReadOnlyList<Manifest.FileEntry> files,
        CheckDepth depth, int maxParallel, CancellationToken ct)
    {
        var outcomes = components.Select(_ => new Outcome()).ToArray();
        var footers = new List<(int Component, Manifest.FileEntry File)>();
        for (int i = 0; i < components.Count; i++)
            if (DataLayout.IsIndex(components[i].Component))
                footers.AddRange(files.Where(f => f.Component == components[i].Component && f.LuceneChecksum is not null).Select(f => (i, f)));
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct };

        // Largest first, so the last file to finish is a small one.
        var footerProblems = new JameyBackupProblem?[footers.Count];
        var order = Enumerable.Range(0, footers.Count).OrderByDescending(i => footers[i].File.Size).ToArray();
        Unwrap(() => Parallel.ForEach(order, options, i =>
            footerProblems[i] = CheckFooter(root, components[footers[i].Component], footers[i].File, ct)));
        for (int i = 0; i < footers.Count; i++)
            if (footerProblems[i] is { } p) outcomes[footers[i].Component].Problems.Add(p);

        // A component whose files already failed is not opened: its problems are named, no need to pile on. The
        // database goes first: it is the largest, and integrity_check the longest check.
        var open = Enumerable.Range(0, components.Count).Where(i => outcomes[i].Problems.Count == 0)
            .OrderBy(i => components[i].Component == JameyComponent.Database ? 0 : 1).ToArray();
        Unwrap(() => Parallel.ForEach(open, options, i =>
        {
            var c = components[i];
            if (c.Component == JameyComponent.Database) CheckDatabase(root, c, depth, outcomes[i], ct);
            else if (depth == CheckDepth.Deep) DeepCheckIndex(root, c, outcomes[i], ct);
            else OpenIndex(root, c, outcomes[i], ct);
        }));
        return outcomes;
    }

    /// <summary>Parallel.ForEach reports a failure inside as AggregateException: give the caller the real one.</summary>
    static void Unwrap(Action a)
    {
        try { a(); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    // ---- Lucene ----

    /// <summary>
    /// The CRC32 of everything before a Lucene file's last 8 bytes must equal the checksum its footer records (what
    /// CodecUtil.ChecksumEntireFile proves) and the one the manifest recorded at capture.
    /// </summary>
    internal static JameyBackupProblem? CheckFooter(string root, Manifest.ComponentEntry c, Manifest.FileEntry f, CancellationToken ct)
    {
        var path = Path.Combine(root, f.Path.Replace('/', Path.DirectorySeparatorChar));
        JameyBackupProblem Problem(string message) => new() { Component = c.Component, File = f.Stored, Message = message };
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = file.Length;
            if (length < FooterLength) return Problem($"Lucene footer: the file is {length} bytes, too short for a footer");
            var crc = new System.IO.Hashing.Crc32();
            long toHash = length - 8, done = 0;
            while (done < toHash)
            {
                ct.ThrowIfCancellationRequested();
                int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, toHash - done));
                if (n == 0) return Problem("Lucene footer: the file ended early");
                crc.Append(buffer.AsSpan(0, n));
                done += n;
            }
            Span<byte> footer = stackalloc byte[FooterLength];
            file.Position = length - FooterLength;
            file.ReadExactly(footer);
            if (BinaryPrimitives.ReadInt32BigEndian(footer) != FooterMagic || BinaryPrimitives.ReadInt32BigEndian(footer[4..]) != 0)
                return Problem("Lucene footer: no valid footer (codec footer magic or checksum algorithm)");
            long recorded = BinaryPrimitives.ReadInt64BigEndian(footer[8..]);
            long actual = crc.GetCurrentHashAsUInt32();
            if (recorded != actual) return Problem($"Lucene footer: checksum failed: the content's CRC32 is {actual:x8}, the footer records {recorded:x8}");
            if (f.LuceneChecksum is { } expected && expected != recorded)
                return Problem($"Lucene footer: records CRC32 {recorded:x8}, the manifest says {expected:x8}");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Problem($"Lucene footer: could not be read: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Opens the index's newest commit the way Jamey will (a DirectoryReader) and compares its document counts with the manifest.</summary>
    static void OpenIndex(string root, Manifest.ComponentEntry c, Outcome outcome, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var folder = IndexFolder(root, c);
        try
        {
            using var dir = new SimpleFSDirectory(new DirectoryInfo(folder), NoLockFactory.GetNoLockFactory());
            using var reader = DirectoryReader.Open(dir);
            outcome.Counted = reader.NumDocs;
            if (c.Index is null) return;
            if (reader.NumDocs != c.Index.DocumentCount)
                outcome.Problems.Add(IndexProblem(c, $"{c.Path}/{c.Index.SegmentsFile}", $"index has {reader.NumDocs} documents, the manifest says {c.Index.DocumentCount}"));
            else if (c.Index.MaxDoc > 0 && reader.MaxDoc != c.Index.MaxDoc)
                outcome.Problems.Add(IndexProblem(c, $"{c.Path}/{c.Index.SegmentsFile}", $"index has {reader.MaxDoc} document slots (maxDoc), the manifest says {c.Index.MaxDoc}"));
        }
        catch (Exception e) when (e is IOException or CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException or ArgumentException)
        {
            outcome.Problems.Add(IndexProblem(c, c.Path, $"the index could not be opened: {e.Message}"));
        }
    }

    /// <summary>Lucene's CheckIndex: every segment decoded and cross-checked. Thorough, and seconds per index whatever its size.</summary>
    static void DeepCheckIndex(string root, Manifest.ComponentEntry c, Outcome outcome, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            using var dir = new SimpleFSDirectory(new DirectoryInfo(IndexFolder(root, c)), NoLockFactory.GetNoLockFactory());
            var log = new StringWriter();
            var checker = new CheckIndex(dir) { InfoStream = log };
            var status = checker.DoCheckIndex();
            if (!status.Clean)
            {
                // CheckIndex explains itself only in its log: keep the lines that say what failed.
                var failures = log.ToString().Split('\n').Select(l => l.Trim())
                    .Where(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("FAILED", StringComparison.Ordinal)).Take(3).ToList();
                var what = status.MissingSegments ? "the segments file is missing or unreadable"
                    : failures.Count > 0 ? string.Join(" | ", failures) : $"{status.NumBadSegments} broken segment(s)";
                outcome.Problems.Add(IndexProblem(c, c.Path, $"CheckIndex: {what}"));
                return;
            }
            long docs = status.SegmentInfos.Sum(s => (long)s.DocCount - s.NumDeleted);
            outcome.Counted = docs;
            if (c.Index is not null && docs != c.Index.DocumentCount)
                outcome.Problems.Add(IndexProblem(c, $"{c.Path}/{c.Index.SegmentsFile}", $"index has {docs} documents, the manifest says {c.Index.DocumentCount}"));
        }
        catch (Exception e) when (e is IOException or CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException)
        {
            outcome.Problems.Add(IndexProblem(c, c.Path, $"CheckIndex could not open the index: {e.Message}"));
        }
        ct.ThrowIfCancellationRequested();
    }

    static string IndexFolder(string root, Manifest.ComponentEntry c) => Path.Combine(root, c.Path.Replace('/', Path.DirectorySeparatorChar));

    static JameyBackupProblem IndexProblem(Manifest.ComponentEntry c, string path, string message) =>
        new() { Component = c.Component, File = $"{Manifest.FilesFolder}/{path}", Message = message };

    // ---- SQLite ----

    static void CheckDatabase(string root, Manifest.ComponentEntry c, CheckDepth depth, Outcome outcome, CancellationToken ct)
    {
        var path = Path.Combine(root, DataLayout.DatabaseFile);
        var file = $"{Manifest.FilesFolder}/{c.Path}";
        void Add(string message) => outcome.Problems.Add(new JameyBackupProblem { Component = c.Component, File = file, Message = message });
        ct.ThrowIfCancellationRequested();
        if (CheckHeader(path, c.Database) is { } headerProblem)
        {
            Add(headerProblem);
            return;
        }
        if (depth == CheckDepth.Usable) return;
        try
        {
            using var connection = SqliteSnapshot.OpenImmutable(path);
            var pragma = depth == CheckDepth.Deep ? "integrity_check" : "quick_check";
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = $"PRAGMA {pragma}";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                    if (r.GetString(0) is var line && line != "ok") Add($"{pragma}: {line}");
            }
            if (outcome.Problems.Count > 0 || c.Database is null) return;
            ct.ThrowIfCancellationRequested();
            var tables = new HashSet<string>(StringComparer.Ordinal);
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT name FROM sqlite_master WHERE type='table'";
                using var r = cmd.ExecuteReader();
                while (r.Read()) tables.Add(r.GetString(0));
            }
            long total = 0;
            long? records = null;
            foreach (var (table, expected) in c.Database.RowCounts)
            {
                if (!tables.Contains(table)) { Add($"table {table} is missing"); continue; }
                using var cmd = connection.CreateCommand();
                cmd.CommandText = $"SELECT COUNT(*) FROM \"{table.Replace("\"", "\"\"")}\"";
                long actual = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                if (actual != expected) Add($"table {table} has {actual} rows, the manifest says {expected}");
                total += actual;
                if (table == "memory_records") records = actual;
            }
            outcome.Counted = records ?? total;
        }
        catch (SqliteException e)
        {
            Add($"SQLite could not open or read it: {e.Message}");
        }
    }

    /// <summary>
    /// The 100-byte SQLite header against the file and the manifest: the magic string, the page size, and (when the
    /// header's page count is valid, as every file written since SQLite 3.7.0 has it) the page count times the page size
    /// is the file's length. Null when it holds; otherwise what is wrong.
    /// </summary>
    internal static string? CheckHeader(string path, Manifest.DatabaseSummary? expected)
    {
        Span<byte> h = stackalloc byte[100];
        long length;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = fs.Length;
            if (fs.ReadAtLeast(h, h.Length, throwOnEndOfStream: false) < h.Length) return $"is {length} bytes, too short for a SQLite database header";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"could not be read: {e.Message}"; }
        if (!h[..16].SequenceEqual("SQLite format 3\0"u8)) return "has no SQLite header (the first 16 bytes are not \"SQLite format 3\")";
        int rawPageSize = BinaryPrimitives.ReadUInt16BigEndian(h[16..]);
        long pageSize = rawPageSize == 1 ? 65536 : rawPageSize;
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0) return $"its header records an impossible page size ({rawPageSize})";
        if (expected is not null && expected.PageSize > 0 && pageSize != expected.PageSize)
            return $"its header records a page size of {pageSize} bytes, the manifest says {expected.PageSize}";
        if (length % pageSize != 0) return $"is {length} bytes, not a whole number of {pageSize}-byte pages";
        long pages = length / pageSize;
        uint changeCounter = BinaryPrimitives.ReadUInt32BigEndian(h[24..]);
        uint headerPages = BinaryPrimitives.ReadUInt32BigEndian(h[28..]);
        uint validFor = BinaryPrimitives.ReadUInt32BigEndian(h[92..]);
        if (headerPages != 0 && validFor == changeCounter && headerPages != pages)
            return $"its header records {headerPages} pages, the file holds {pages}";
        if (expected is not null && expected.PageCount > 0 && pages != expected.PageCount)
            return $"holds {pages} pages, the manifest says {expected.PageCount}";
        return null;
    }
}
