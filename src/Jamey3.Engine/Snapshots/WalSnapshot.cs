using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Jamey3.Engine.Repository;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;
using SQLitePCL;

namespace Jamey3.Engine.Snapshots;

/// <summary>
/// The database as one read transaction sees it, read straight from the database file and its WAL: no copy is
/// written. A WAL reader's snapshot is the database file overlaid, page by page, with the newest WAL frame at or
/// below the reader's mark (<c>mxFrame</c>); that is what this stream yields, pages 1 to the snapshot's page count.
/// </summary>
/// <remarks>
/// <para>Why it is sound (wal.c): the read transaction is opened by <c>sqlite3_snapshot_get</c> right after a
/// deferred BEGIN (on a connection that has read once, so its pager has the WAL open), which then never takes
/// read-lock 0 when the WAL has frames, so this connection holds a shared lock on
/// a read mark at or below its <c>mxFrame</c> for as long as the transaction lasts. While it does, (1) a checkpoint
/// backfills only frames at or below that mark (its <c>mxSafeFrame</c> cannot pass a mark it cannot lock), so a
/// database page is only ever overwritten with a version this snapshot would take from the WAL anyway, and pages
/// this snapshot reads from the file are not touched; (2) the WAL cannot restart (that needs every read mark above
/// 0 exclusively, TRUNCATE and RESTART checkpoints included), so frames 1..mxFrame stay where they are. With an
/// empty WAL (mxFrame 0) the connection may hold read-lock 0, which forbids any backfill: the file alone is the
/// snapshot. The page count is the one the transaction sees (<c>PRAGMA page_count</c>, what the online backup API
/// copies) and must equal the last commit frame's database size.</para>
/// <para>What it relies on besides: the WAL format (header and frame checksums, salts) and the layout of the
/// snapshot object (a copy of the 48-byte WAL-index header: <c>mxFrame</c> at 16, <c>nPage</c> at 20, the last
/// frame's checksum at 24, the salts at 32). Every frame is checked against it when the WAL is scanned and again
/// when its page is read, so a WAL that is not what the snapshot describes stops the read (the backup then falls
/// back to the online backup API). The database file is opened before the connection and closed after it: on Unix
/// closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's included.</para>
/// </remarks>
public sealed class WalSnapshot : Stream
{
    const uint MagicLittleEndian = 0x377f0682, MagicBigEndian = 0x377f0683;
    const uint WalVersion = 3007000;
    const int WalHeaderSize = 32, FrameHeaderSize = 24;

    readonly SqliteConnection _connection;
    readonly SafeFileHandle _db;
    readonly FileStream? _wal;
    readonly int _pageSize;
    readonly long _length;
    readonly Dictionary<uint, Frame> _frames;
    readonly bool _bigEndianChecksum;
    readonly byte[] _salts;
    readonly byte[] _frameBuffer;
    long _position;
    bool _open = true;

    /// <summary>Where a page's newest frame is, and the running checksum before it (to check it again when it is read).</summary>
    readonly record struct Frame(long Offset, uint Checksum1, uint Checksum2);

    /// <summary>Frames 1..<see cref="MaxFrame"/> of the WAL belong to the snapshot (0: the database file alone).</summary>
    public uint MaxFrame { get; }
    public int PageSize => _pageSize;
    public long PageCount => _length / _pageSize;
    /// <summary>Pages read from the WAL rather than the database file.</summary>
    public int WalPages => _frames.Count;
    /// <summary>Counts the rows of each b-tree as the pages pass (<see cref="PageCensus"/>); null when not asked for.</summary>
    public PageCensus? Census { get; }
    /// <summary>The open read transaction: queries on it see exactly this snapshot.</summary>
    public SqliteConnection Connection => _connection;

    WalSnapshot(SqliteConnection connection, SafeFileHandle db, FileStream? wal, int pageSize, long pageCount, uint maxFrame,
        Dictionary<uint, Frame> frames, bool bigEndianChecksum, byte[] salts, PageCensus? census)
    {
        _connection = connection; _db = db; _wal = wal; _pageSize = pageSize; _length = pageCount * pageSize;
        MaxFrame = maxFrame; _frames = frames; _bigEndianChecksum = bigEndianChecksum; _salts = salts; Census = census;
        _frameBuffer = new byte[FrameHeaderSize + pageSize];
    }

    /// <summary>
    /// Opens a read transaction on <paramref name="connection"/> (open, read-only, in no transaction; owned by the
    /// result from here on) and prepares to read its snapshot from <paramref name="database"/> (the database file,
    /// opened before the connection). Returns null with the reason when the database cannot be read this way
    /// (not in WAL mode, an unexpected WAL): the caller then uses the online backup API.
    /// </summary>
    public static WalSnapshot? Open(SqliteConnection connection, SafeFileHandle database, string databasePath, bool countRows,
        TimeSpan busyTimeout, out string reason)
    {
        FileStream? wal = null;
        bool handedOver = false;
        try
        {
            var db = connection.Handle!;
            // A first, finished read makes the pager open the WAL: sqlite3_snapshot_get can keep read-lock 0 off only
            // then (sqlite3PagerSnapshotOpen does nothing for a pager without its WAL), and on read-lock 0 a writer
            // may restart the WAL under the snapshot. Measured: without this, 2 runs in 3 of a test met a restarted WAL.
            Scalar<long>(connection, "PRAGMA schema_version");
            Exec(db, "BEGIN");
            // sqlite3_snapshot_get opens the read transaction itself, avoiding read-lock 0 (see the remarks).
            sqlite3_snapshot? snapshot = null;
            int rc;
            var deadline = DateTime.UtcNow + busyTimeout;
            while (true)
            {
                try { rc = raw.sqlite3_snapshot_get(db, "main", out snapshot); }
                catch (EntryPointNotFoundException) { reason = "this SQLite has no snapshot interface"; return null; }
                if ((rc & 0xff) != raw.SQLITE_BUSY || DateTime.UtcNow > deadline) break;
                snapshot?.Dispose();
                Thread.Sleep(20);
            }
            byte[] header = new byte[48];
            using (snapshot)
            {
                if (rc == raw.SQLITE_OK) Marshal.Copy(snapshot!.DangerousGetHandle(), header, 0, header.Length);
                else if (rc != raw.SQLITE_ERROR) throw new SqliteException($"sqlite3_snapshot_get failed: {raw.sqlite3_errstr(rc).utf8_to_string()}", rc);
            }
            // SQLITE_ERROR after the read transaction opened: either not a WAL database, or a WAL into which nothing
            // was ever written (zero checksum and salts), whose snapshot is the database file alone.
            var journal = Scalar<string>(connection, "PRAGMA journal_mode");
            if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase)) { reason = $"the database is in {journal} mode, not WAL"; return null; }
            uint maxFrame = rc == raw.SQLITE_OK ? BitConverter.ToUInt32(header, 16) : 0;
            uint snapshotPages = rc == raw.SQLITE_OK ? BitConverter.ToUInt32(header, 20) : 0;
            int pageSize = (int)Scalar<long>(connection, "PRAGMA page_size");
            long pageCount = Scalar<long>(connection, "PRAGMA page_count");
            if (rc == raw.SQLITE_OK)
            {
                int snapshotPageSize = BitConverter.ToUInt16(header, 14);
                if (snapshotPageSize == 1) snapshotPageSize = 65536;
                if (snapshotPageSize != pageSize) { reason = $"the snapshot's page size {snapshotPageSize} differs from the database's {pageSize}"; return null; }
            }
            var frames = new Dictionary<uint, Frame>();
            bool bigEndian = false;
            var salts = new byte[8];
            if (maxFrame > 0)
            {
                Buffer.BlockCopy(header, 32, salts, 0, 8);
                wal = new FileStream(databasePath + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                var problem = ScanWal(wal, header, maxFrame, pageSize, frames, out bigEndian, out uint lastCommitPages);
                if (problem is not null) { reason = $"unexpected WAL: {problem}"; return null; }
                if (lastCommitPages != snapshotPages || lastCommitPages != pageCount)
                {
                    reason = $"unexpected WAL: the last commit frame gives {lastCommitPages} pages, the snapshot {snapshotPages}, the transaction {pageCount}";
                    return null;
                }
            }
            PageCensus? census = null;
            if (countRows)
            {
                census = new PageCensus(pageSize, pageCount);
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT name, rootpage FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
                using var r = cmd.ExecuteReader();
                while (r.Read()) census.Tables.Add((r.GetString(0), r.IsDBNull(1) ? 0 : r.GetInt64(1)));
            }
            reason = "";
            handedOver = true;
            return new WalSnapshot(connection, database, wal, pageSize, pageCount, maxFrame, frames, bigEndian, salts, census);
        }
        finally
        {
            if (!handedOver)
            {
                wal?.Dispose();
                try { Exec(connection.Handle!, "ROLLBACK"); } catch (SqliteException) { }
            }
        }
    }

    /// <summary>Reads frames 1..maxFrame once, checking the header, the salts and the checksum chain against the snapshot; maps each page to its newest frame.</summary>
    static string? ScanWal(FileStream wal, byte[] snapshot, uint maxFrame, int pageSize, Dictionary<uint, Frame> frames, out bool bigEndian, out uint lastCommitPages)
    {
        bigEndian = false;
        lastCommitPages = 0;
        Span<byte> h = stackalloc byte[WalHeaderSize];
        if (RandomAccess.Read(wal.SafeFileHandle, h, 0) != WalHeaderSize) return "the WAL file is shorter than its header";
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(h);
        if (magic != MagicLittleEndian && magic != MagicBigEndian) return $"magic 0x{magic:x8}";
        bigEndian = magic == MagicBigEndian;
        if (BinaryPrimitives.ReadUInt32BigEndian(h[4..]) != WalVersion) return $"format version {BinaryPrimitives.ReadUInt32BigEndian(h[4..])}";
        if (BinaryPrimitives.ReadUInt32BigEndian(h[8..]) != (uint)pageSize) return $"page size {BinaryPrimitives.ReadUInt32BigEndian(h[8..])}";
        if (!h.Slice(16, 8).SequenceEqual(snapshot.AsSpan(32, 8))) return "its salts differ from the snapshot's (the WAL was restarted)";
        var (s1, s2) = Checksum(bigEndian, h[..24], 0, 0);
        if (s1 != BinaryPrimitives.ReadUInt32BigEndian(h[24..]) || s2 != BinaryPrimitives.ReadUInt32BigEndian(h[28..])) return "header checksum mismatch";

        int frameSize = FrameHeaderSize + pageSize;
        int batch = Math.Max(1, (1 << 20) / frameSize);
        var buffer = new byte[batch * frameSize];
        for (uint i = 1; i <= maxFrame;)
        {
            int n = (int)Math.Min(batch, maxFrame - i + 1);
            long offset = WalHeaderSize + (long)(i - 1) * frameSize;
            var span = buffer.AsSpan(0, n * frameSize);
            if (ReadFully(wal.SafeFileHandle, span, offset) != span.Length) return $"the WAL file ends before frame {maxFrame}";
            for (int k = 0; k < n; k++, i++)
            {
                var frame = span.Slice(k * frameSize, frameSize);
                if (!frame.Slice(8, 8).SequenceEqual(snapshot.AsSpan(32, 8))) return $"frame {i} has other salts";
                uint before1 = s1, before2 = s2;
                (s1, s2) = Checksum(bigEndian, frame[..8], s1, s2);
                (s1, s2) = Checksum(bigEndian, frame[FrameHeaderSize..], s1, s2);
                if (s1 != BinaryPrimitives.ReadUInt32BigEndian(frame[16..]) || s2 != BinaryPrimitives.ReadUInt32BigEndian(frame[20..])) return $"frame {i} checksum mismatch";
                uint page = BinaryPrimitives.ReadUInt32BigEndian(frame);
                if (page == 0) return $"frame {i} names page 0";
                frames[page] = new Frame(offset + (long)k * frameSize, before1, before2);
                uint commit = BinaryPrimitives.ReadUInt32BigEndian(frame[4..]);
                if (commit != 0) lastCommitPages = commit;
                else if (i == maxFrame) return $"frame {maxFrame}, the snapshot's last, is not a commit frame";
            }
        }
        if (s1 != BitConverter.ToUInt32(snapshot, 24) || s2 != BitConverter.ToUInt32(snapshot, 28)) return "the last frame's checksum differs from the snapshot's";
        // Frames of pages beyond the snapshot's size (a database that shrank) are not part of it.
        uint size = lastCommitPages;
        foreach (var page in frames.Keys.Where(p => p > size).ToList()) frames.Remove(page);
        return null;
    }

    /// <summary>SQLite's WAL checksum: two running 32-bit sums over pairs of words, read in the WAL's byte order.</summary>
    static (uint, uint) Checksum(bool bigEndian, ReadOnlySpan<byte> data, uint s1, uint s2)
    {
        var words = MemoryMarshal.Cast<byte, uint>(data);
        bool swap = bigEndian == BitConverter.IsLittleEndian;
        if (swap)
            for (int i = 0; i + 1 < words.Length; i += 2)
            {
                s1 += BinaryPrimitives.ReverseEndianness(words[i]) + s2;
                s2 += BinaryPrimitives.ReverseEndianness(words[i + 1]) + s1;
            }
        else
            for (int i = 0; i + 1 < words.Length; i += 2)
            {
                s1 += words[i] + s2;
                s2 += words[i + 1] + s1;
            }
        return (s1, s2);
    }

    public override int Read(Span<byte> buffer)
    {
        if (!_open) throw new ObjectDisposedException(nameof(WalSnapshot));
        int total = 0;
        while (buffer.Length > 0 && _position < _length)
        {
            uint page = (uint)(_position / _pageSize + 1);
            int inPage = (int)(_position % _pageSize);
            if (_frames.TryGetValue(page, out var frame))
            {
                var data = ReadFrame(page, frame);
                Seen(page, data);
                int n = Math.Min(buffer.Length, _pageSize - inPage);
                data.Slice(inPage, n).CopyTo(buffer);
                Advance(ref buffer, ref total, n);
                continue;
            }
            // A run of pages the WAL does not hold, in one read from the database file.
            long end = Math.Min(_length, _position + buffer.Length);
            uint lastPage = (uint)((end - 1) / _pageSize + 1);
            uint runEnd = page;
            while (runEnd < lastPage && !_frames.ContainsKey(runEnd + 1)) runEnd++;
            long runBytes = Math.Min(end, (long)runEnd * _pageSize) - _position;
            var target = buffer[..(int)runBytes];
            if (ReadFully(_db, target, _position) != target.Length)
                throw new SnapshotReadException($"the database file ends before page {runEnd} of {PageCount}");
            // Whole pages only; a page split across reads is missing from the census, whose counts then come from SQL.
            if (inPage == 0)
                for (int off = 0; off + _pageSize <= target.Length; off += _pageSize)
                    Seen(page + (uint)(off / _pageSize), target.Slice(off, _pageSize));
            Advance(ref buffer, ref total, target.Length);
        }
        return total;
    }

    void Seen(uint page, ReadOnlySpan<byte> data)
    {
        if (page == 1 && data.Length >= 100) FileHeader = data[..100].ToArray();
        Census?.Add(page, data);
    }

    /// <summary>The first 100 bytes of page 1 (the database header) once they have been read.</summary>
    public byte[]? FileHeader { get; private set; }

    void Advance(ref Span<byte> buffer, ref int total, int n)
    {
        buffer = buffer[n..];
        total += n;
        _position += n;
    }

    /// <summary>Reads a page's frame and checks it again (salts, checksum from the running checksum before it).</summary>
    ReadOnlySpan<byte> ReadFrame(uint page, Frame frame)
    {
        if (ReadFully(_wal!.SafeFileHandle, _frameBuffer, frame.Offset) != _frameBuffer.Length)
            throw new SnapshotReadException($"the WAL file ends inside the frame of page {page}");
        var f = _frameBuffer.AsSpan();
        var (s1, s2) = Checksum(_bigEndianChecksum, f[..8], frame.Checksum1, frame.Checksum2);
        (s1, s2) = Checksum(_bigEndianChecksum, f[FrameHeaderSize..], s1, s2);
        if (BinaryPrimitives.ReadUInt32BigEndian(f) != page || !f.Slice(8, 8).SequenceEqual(_salts)
            || s1 != BinaryPrimitives.ReadUInt32BigEndian(f[16..]) || s2 != BinaryPrimitives.ReadUInt32BigEndian(f[20..]))
            throw new SnapshotReadException($"the WAL frame of page {page} changed while the snapshot was read");
        return f[FrameHeaderSize..];
    }

    static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => _open;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Ends the read transaction and closes the connection, then the WAL (the database file is the caller's, closed after).</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _open)
        {
            _open = false;
            try { Exec(_connection.Handle!, "COMMIT"); } catch (SqliteException) { }
            _connection.Dispose();
            _wal?.Dispose();
        }
        base.Dispose(disposing);
    }

    static void Exec(sqlite3 db, string sql)
    {
        int rc = raw.sqlite3_exec(db, sql);
        if (rc != raw.SQLITE_OK) throw new SqliteException($"{sql} failed: {raw.sqlite3_errmsg(db).utf8_to_string()}", rc);
    }

    static T Scalar<T>(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The direct read met something it did not expect halfway; the backup reads the database with the online backup API instead.</summary>
public sealed class SnapshotReadException(string message) : IOException(message);
