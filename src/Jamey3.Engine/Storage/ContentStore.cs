using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ZstdSharp;

namespace Jamey3.Engine.Storage;

/// <summary>What was written for one file: its content's size and hash, and how it is stored.</summary>
public sealed record StoredFile(long Size, string Sha256, CompressionAlgorithm Compression, long StoredSize, string StoredSha256);

/// <summary>
/// Streams a file into a backup exactly once: the content is hashed, compressed on the way when
/// that pays, and the stored bytes are hashed too, so a quick check never needs to decompress.
/// </summary>
public static class ContentStore
{
    /// <summary>A streamed file's read buffer: the incompressibility probe's size, so a file in flight holds little (several run at once).</summary>
    const int BufferSize = ProbeSize;
    /// <summary>Compressed/original ratio above which a probe block counts as incompressible (as Borg and Kopia do).</summary>
    const double IncompressibleRatio = 0.92;
    const int ProbeSize = 256 * 1024;

    /// <summary>zstd's default level: the database (text, 3-5x) pays for it.</summary>
    public const int DefaultLevel = 3;
    /// <summary>
    /// For files that compress little (Lucene's postings and stored fields, ~0.8 at level 3): level 1 is about
    /// 5% larger at half the CPU (bench/results).
    /// </summary>
    public const int FastLevel = 1;

    /// <summary>
    /// Native libzstd (ZstdNet: linux, Windows and macOS on x64 and arm64) where it loads, about 0.6-0.75x the time of
    /// the managed port at the same level and the same output size (bench/results/profile-2026-12-02.md); the managed
    /// port (ZstdSharp) where it does not (linux-musl has no native build in the package). Both write standard zstd
    /// frames, which ZstdSharp reads back everywhere.
    /// </summary>
    public static bool NativeCompression { get; } = ProbeNative();

    static bool ProbeNative()
    {
        if (Environment.GetEnvironmentVariable("JAMEY3_ZSTD") == "managed") return false; // to compare the two
        try { return NativeRoundTrip(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            or TypeInitializationException or FileNotFoundException or FileLoadException) { return false; }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool NativeRoundTrip()
    {
        var probe = new byte[4096];
        using var c = new ZstdNet.Compressor(new ZstdNet.CompressionOptions(1));
        return new Decompressor().Unwrap(c.Wrap(probe)).Length == probe.Length;
    }

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/> (at least the compress bound); the compressed length.</summary>
    static int CompressBlock(ReadOnlySpan<byte> source, byte[] destination, int level)
    {
        if (NativeCompression) return NativeBlock(source, destination, level);
        if (blockCompressor is null || blockCompressorLevel != level) (blockCompressor, blockCompressorLevel) = (new Compressor(level), level);
        return blockCompressor.Wrap(source, destination);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int NativeBlock(ReadOnlySpan<byte> source, byte[] destination, int level)
    {
        nativeBlock ??= new ZstdNet.Compressor?[23];
        var c = nativeBlock[level] ??= new ZstdNet.Compressor(NativeOptions(level));
        return c.Wrap(source, destination, 0);
    }

    // One native context per thread and level, like the managed ones; options live as long as their contexts.
    [ThreadStatic] static ZstdNet.Compressor?[]? nativeBlock;
    static readonly ZstdNet.CompressionOptions?[] nativeOptions = new ZstdNet.CompressionOptions?[23];
    static ZstdNet.CompressionOptions NativeOptions(int level)
    {
        lock (nativeOptions) return nativeOptions[level] ??= new ZstdNet.CompressionOptions(level);
    }

    /// <summary>Writes a block already in memory (a chunk) to <paramref name="destination"/>; single-threaded, so callers can run several at once.</summary>
    /// <remarks>
    /// The whole block is compressed (no probe: the result is in memory anyway) and stored raw when it did not
    /// shrink below the incompressible ratio; the caller then renames the file to its raw name.
    /// The file is not flushed here: its writeback is started, and <see cref="StagingFlush"/> flushes every stored
    /// file once before the backup is published (one batch of flushes instead of one wait per chunk).
    /// </remarks>
    /// <param name="unixMode">The stored file's permissions on Unix (null: the umask's); see <see cref="IO.Durability.StoredMode"/>.</param>
    public static StoredFile WriteBlock(ReadOnlyMemory<byte> content, string destination, CompressionAlgorithm compression, int level = DefaultLevel,
        UnixFileMode? unixMode = null)
    {
        var span = content.Span;
        var contentSha = Hex(SHA256.HashData(span));
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> packed = default;
            if (compression == CompressionAlgorithm.Zstd)
            {
                // A pooled output buffer: a fresh array per 1 MiB chunk churned the large-object heap (and the peak RSS).
                rented = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(span.Length));
                packed = rented.AsSpan(0, CompressBlock(span, rented, level));
                if (span.Length >= 4096 && packed.Length > span.Length * IncompressibleRatio) compression = CompressionAlgorithm.None;
            }
            using var file = new FileStream(destination, IO.Durability.CreateOptions(unixMode));
            var written = compression == CompressionAlgorithm.None ? span : packed;
            file.Write(written);
            file.Flush();
            FileStatus.StartWriteback(file.SafeFileHandle);
            return compression == CompressionAlgorithm.None
                ? new StoredFile(span.Length, contentSha, compression, span.Length, contentSha)
                : new StoredFile(span.Length, contentSha, compression, packed.Length, Hex(SHA256.HashData(packed)));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // One block compressor per thread: a zstd context costs more to create than a 1 MiB chunk takes to compress.
    [ThreadStatic] static Compressor? blockCompressor;
    [ThreadStatic] static int blockCompressorLevel;

    /// <summary>
    /// Writes <paramref name="source"/> from its current position to <paramref name="destination"/>, streaming through
    /// one 256 KiB buffer. Not flushed here (its writeback is started); <see cref="StagingFlush"/> flushes it before publishing.
    /// </summary>
    /// <param name="workers">zstd worker threads for this file: 0 when the caller already runs one file per core.</param>
    public static StoredFile Write(Stream source, string destination, CompressionAlgorithm compression,
        Action<long>? onBytes, CancellationToken ct, int level = DefaultLevel, UnixFileMode? unixMode = null, int? workers = null)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var contentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int first = ReadBlock(source, buffer, ct);
            if (compression == CompressionAlgorithm.Zstd && IsIncompressible(buffer.AsSpan(0, Math.Min(first, ProbeSize))))
                compression = CompressionAlgorithm.None;

            long size = 0;
            using var file = new FileStream(destination, IO.Durability.CreateOptions(unixMode));
            // Stored raw, the stored bytes are the content: one hash serves both.
            bool compress = compression == CompressionAlgorithm.Zstd;
            using var stored = new HashingWriteStream(file, hash: compress);
            using (Stream sink = compress ? NewCompressor(stored, level, workers ?? Math.Min(2, Environment.ProcessorCount)) : new NonClosingStream(stored))
            {
                for (int n = first; n > 0; n = ReadBlock(source, buffer, ct))
                {
                    contentHash.AppendData(buffer, 0, n);
                    sink.Write(buffer, 0, n);
                    size += n;
                    onBytes?.Invoke(n);
                }
            }
            file.Flush();
            FileStatus.StartWriteback(file.SafeFileHandle);
            var contentSha = Hex(contentHash.GetHashAndReset());
            return new StoredFile(size, contentSha, compression, stored.Length, compress ? stored.HashHex() : contentSha);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// True when the stored file at <paramref name="path"/> is a plain file of exactly <paramref name="storedSize"/>
    /// bytes whose SHA-256 is <paramref name="storedSha256"/>: the check a backup makes before it hard-links a stored
    /// file of an earlier backup, so damage on disk is never linked into a new backup (it is stored afresh instead).
    /// </summary>
    public static bool StoredBytesMatch(string path, long storedSize, string storedSha256)
    {
        try
        {
            using var fs = IO.Durability.OpenNoFollow(path, 1);
            if (fs is null || !fs.CanSeek || fs.Length != storedSize) return false;
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                int n;
                while ((n = fs.Read(buffer, 0, BufferSize)) > 0) hash.AppendData(buffer, 0, n);
                return string.Equals(Hex(hash.GetHashAndReset()), storedSha256, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Opens a stored file for reading its original content.</summary>
    public static Stream OpenContent(string storedPath, CompressionAlgorithm compression) =>
        OpenContent(new FileStream(storedPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), compression);

    /// <summary>The original content of stored bytes read from any source (a file, a remote object); owns <paramref name="stored"/>.</summary>
    public static Stream OpenContent(Stream stored, CompressionAlgorithm compression) =>
        compression == CompressionAlgorithm.Zstd ? new DecompressionStream(stored, leaveOpen: false) : stored;

    /// <summary>Streams of content opened one after another, each only when the previous one ends (one part, or a chunked file's chunks).</summary>
    public static Stream Concatenate(IReadOnlyList<Func<Stream>> parts) =>
        parts.Count == 1 ? parts[0]() : new ConcatenatedStream(parts);

    /// <summary>Opens stored parts (one file, or a chunked file's chunks) as one stream of the original content, in order.</summary>
    public static Stream OpenContent(IReadOnlyList<(string Path, CompressionAlgorithm Compression)> parts) =>
        Concatenate(parts.Select(p => (Func<Stream>)(() => OpenContent(p.Path, p.Compression))).ToList());

    /// <summary>SHA-256 of a stream's remaining bytes, in lowercase hex; reports bytes as it goes.</summary>
    public static (long Length, string Sha256) Hash(Stream stream, Action<long>? onBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            for (int n = ReadBlock(stream, buffer, ct); n > 0; n = ReadBlock(stream, buffer, ct))
            {
                hash.AppendData(buffer, 0, n);
                total += n;
                onBytes?.Invoke(n);
            }
            return (total, Hex(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies a stored file's original content to a plain file and flushes it.</summary>
    public static (long Length, string Sha256) Extract(string storedPath, CompressionAlgorithm compression, string destination,
        Action<long>? onBytes, CancellationToken ct) => Extract([(storedPath, compression)], destination, onBytes, ct);

    /// <summary>Copies stored parts' original content (concatenated, in order) to a plain file and flushes it.</summary>
    public static (long Length, string Sha256) Extract(IReadOnlyList<(string Path, CompressionAlgorithm Compression)> parts, string destination,
        Action<long>? onBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var input = OpenContent(parts);
            using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            for (int n = ReadBlock(input, buffer, ct); n > 0; n = ReadBlock(input, buffer, ct))
            {
                hash.AppendData(buffer, 0, n);
                output.Write(buffer, 0, n);
                total += n;
                onBytes?.Invoke(n);
            }
            output.Flush(flushToDisk: true);
            return (total, Hex(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    static Stream NewCompressor(Stream output, int level, int workers)
    {
        if (NativeCompression && workers <= 1) return NativeStream(output, level);
        var z = new CompressionStream(output, level, leaveOpen: true);
        if (workers > 1) z.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, workers);
        return z;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static Stream NativeStream(Stream output, int level) =>
        new ZstdNet.CompressionStream(new NonClosingStream(output), NativeOptions(level), ProbeSize);

    [ThreadStatic] static Compressor? probeCompressor;

    static bool IsIncompressible(ReadOnlySpan<byte> probe)
    {
        if (probe.Length < 4096) return false; // too small to judge; zstd's frame overhead is a few bytes
        // One probe compressor per thread: creating one per file cost more than the probe itself.
        var buffer = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(probe.Length));
        try
        {
            int compressed = NativeCompression ? NativeBlock(probe, buffer, 1) : (probeCompressor ??= new Compressor(1)).Wrap(probe, buffer);
            return compressed > probe.Length * IncompressibleRatio;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Fills the buffer as far as the stream allows, so blocks are full-sized until the end.</summary>
    static int ReadBlock(Stream s, byte[] buffer, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        int total = 0;
        while (total < BufferSize)
        {
            int n = s.Read(buffer, total, BufferSize - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Counts and hashes what passes through to the file.</summary>
    sealed class HashingWriteStream(Stream inner, bool hash) : Stream
    {
        readonly IncrementalHash? _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        long _length;
        public string HashHex() => Hex(_hash!.GetHashAndReset());
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash?.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash?.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads parts one after another, opening each only when the previous one ends.</summary>
    sealed class ConcatenatedStream(IReadOnlyList<Func<Stream>> parts) : Stream
    {
        int _next;
        Stream? _current;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0) return 0;
            while (true)
            {
                if (_current is null)
                {
                    if (_next == parts.Count) return 0;
                    _current = parts[_next++]();
                }
                int n = _current.Read(buffer);
                if (n > 0) return n;
                _current.Dispose();
                _current = null;
            }
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) _current?.Dispose();
            _current = null;
            base.Dispose(disposing);
        }
    }

    sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
