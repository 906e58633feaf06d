using System.Text.Json;
using System.Text.Json.Serialization;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Repository;

/// <summary>
/// manifest.json, the one description of a backup (docs/repository-format.md). Written last,
/// inside the staging folder, so a published folder always carries a complete manifest.
/// </summary>
public sealed class Manifest
{
    /// <summary>2 added <see cref="FileEntry.Chunks"/>; format 1 manifests are still read.</summary>
    public const int CurrentFormat = 2;
    public const string FileName = "manifest.json";
    public const string FilesFolder = "files";

    public int Format { get; set; } = CurrentFormat;
    public string BackupId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset CompletedAt { get; set; }
    public double DurationSeconds { get; set; }
    public ToolInfo Tool { get; set; } = new();
    public string Host { get; set; } = "";
    public string SourcePath { get; set; } = "";
    public CompressionAlgorithm Compression { get; set; }
    public List<ComponentEntry> Components { get; set; } = [];
    public List<FileEntry> Files { get; set; } = [];
    public TotalsEntry Totals { get; set; } = new();

    public sealed class ToolInfo
    {
        public string Name { get; set; } = "Jamey3";
        public string Version { get; set; } = "";
    }

    public sealed class ComponentEntry
    {
        public JameyComponent Component { get; set; }
        public string Path { get; set; } = "";
        public int FileCount { get; set; }
        public long Size { get; set; }
        public long StoredSize { get; set; }
        public DatabaseSummary? Database { get; set; }
        public IndexSummary? Index { get; set; }
    }

    public sealed class DatabaseSummary
    {
        public long PageCount { get; set; }
        public long PageSize { get; set; }
        public long SchemaVersion { get; set; }
        public string JournalMode { get; set; } = "";
        public string SqliteVersion { get; set; } = "";
        public Dictionary<string, long> RowCounts { get; set; } = [];
    }

    public sealed class IndexSummary
    {
        public string SegmentsFile { get; set; } = "";
        public long SegmentsGeneration { get; set; }
        public int SegmentCount { get; set; }
        public long DocumentCount { get; set; }
        public long MaxDoc { get; set; }
    }

    public sealed class FileEntry
    {
        /// <summary>Path in the data directory, relative, forward slashes.</summary>
        public string Path { get; set; } = "";
        public JameyComponent Component { get; set; }
        public long Size { get; set; }
        public string Sha256 { get; set; } = "";
        /// <summary>Path in the backup folder, relative, forward slashes.</summary>
        public string Stored { get; set; } = "";
        public CompressionAlgorithm Compression { get; set; }
        public long StoredSize { get; set; }
        public string StoredSha256 { get; set; } = "";
        /// <summary>The CRC32 in a Lucene file's footer, used to recognise an unchanged segment file.</summary>
        public long? LuceneChecksum { get; set; }
        /// <summary>The earlier backup this file's stored bytes were hard-linked from, if any.</summary>
        public string? SharedFrom { get; set; }
        /// <summary>
        /// The source file's Unix permission bits when it was backed up, four octal digits ("0600"); a restore gives
        /// the file these back. Absent on Windows and in manifests written before it was recorded.
        /// </summary>
        public string? Mode { get; set; }
        /// <summary>
        /// Lucene files: the source file's last-write time. A later backup shares the stored file only when path, size,
        /// footer CRC32 and this time are all unchanged, so a rebuilt index reusing names and sizes is copied afresh.
        /// </summary>
        public DateTimeOffset? ModifiedAt { get; set; }
        /// <summary>
        /// Format 2, database only: the content stored as consecutive fixed-size pieces under
        /// <c>files/&lt;path&gt;.chunks/</c>. Then <see cref="Stored"/> names that folder, <see cref="StoredSize"/>
        /// is the chunks' total and <see cref="StoredSha256"/> is empty: each chunk carries its own.
        /// </summary>
        public List<ChunkEntry>? Chunks { get; set; }

        /// <summary>The permission bits <see cref="Mode"/> gives (rwx for owner, group, others only); null when it gives none.</summary>
        public UnixFileMode? PermissionBits() =>
            Mode is null ? null : (UnixFileMode)(Convert.ToInt32(Mode, 8) & 0x1FF);

        /// <summary>The files on disk that hold this entry's content, in content order: the stored file, or each chunk.</summary>
        public IEnumerable<StoredPart> StoredParts() => Chunks is null
            ? [new StoredPart(Stored, Compression, StoredSize, StoredSha256)]
            : Chunks.Select(c => new StoredPart(c.Stored, c.Compression, c.StoredSize, c.StoredSha256));
    }

    /// <summary>One piece of a chunked file: <see cref="Size"/> bytes of content from <see cref="Offset"/>.</summary>
    public sealed class ChunkEntry
    {
        public long Offset { get; set; }
        public long Size { get; set; }
        /// <summary>SHA-256 of the chunk's content (what a later backup compares).</summary>
        public string Sha256 { get; set; } = "";
        public string Stored { get; set; } = "";
        public CompressionAlgorithm Compression { get; set; }
        public long StoredSize { get; set; }
        public string StoredSha256 { get; set; } = "";
        /// <summary>The earlier backup this chunk's stored bytes were hard-linked from, if any.</summary>
        public string? SharedFrom { get; set; }
    }

    /// <summary>A file in the backup folder and what its bytes must be.</summary>
    public sealed record StoredPart(string Stored, CompressionAlgorithm Compression, long StoredSize, string StoredSha256);

    public sealed class TotalsEntry
    {
        public int Files { get; set; }
        public long Size { get; set; }
        public long StoredSize { get; set; }
        public int SharedFiles { get; set; }
        /// <summary>Format 2: chunks hard-linked from an earlier backup.</summary>
        public int SharedChunks { get; set; }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    /// <summary>Reads and validates a manifest. Every path it names must stay inside its backup.</summary>
    public static Manifest Load(string manifestPath)
    {
        Manifest? m;
        try
        {
            using var fs = new FileStream(manifestPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            m = JsonSerializer.Deserialize<Manifest>(fs, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidManifestException(manifestPath, $"it is not valid JSON ({e.Message})", e);
        }
        if (m is null) throw new InvalidManifestException(manifestPath, "it is empty");
        m.Validate(manifestPath);
        return m;
    }

    /// <summary>The checks every reader of a manifest applies (<see cref="Load"/> and the listing's <see cref="ManifestReader"/>).</summary>
    internal void Validate(string manifestPath)
    {
        // Only a newer format is cured by a newer Jamey3; one below 1 was never written by any version.
        if (Format < 1)
            throw new InvalidManifestException(manifestPath, $"format {Format} is not a Jamey3 manifest format (formats start at 1); the manifest is damaged or was not written by Jamey3");
        if (Format > CurrentFormat)
            throw new InvalidManifestException(manifestPath, $"format {Format} is newer than this version reads (1..{CurrentFormat}); upgrade Jamey3");
        if (string.IsNullOrWhiteSpace(BackupId) || BackupId.IndexOfAny(['/', '\\', ':']) >= 0 || BackupId.Contains(".."))
            throw new InvalidManifestException(manifestPath, $"backup id '{BackupId}' is not valid");
        if (!IsSafeBackupId(BackupId))
            throw new InvalidManifestException(manifestPath, $"backup id '{BackupId}' is not a plain folder name");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in Files)
        {
            var componentPath = DataLayout.RelativePath(f.Component);
            bool underComponent = f.Component == JameyComponent.Database
                ? f.Path == componentPath
                : f.Path.StartsWith(componentPath + "/", StringComparison.Ordinal) && f.Path.Count(c => c == '/') == componentPath.Count(c => c == '/') + 1;
            if (!IsSafeRelativePath(f.Path) || !underComponent)
                throw new InvalidManifestException(manifestPath, $"file path '{f.Path}' is not a safe path inside component {f.Component}");
            if (!seen.Add(f.Path))
                throw new InvalidManifestException(manifestPath, $"file '{f.Path}' is listed twice");
            if (f.Mode is not null && !IsMode(f.Mode))
                throw new InvalidManifestException(manifestPath, $"file '{f.Path}' has mode '{f.Mode}', which is not four octal digits of permission bits (0000..0777)");
            if (f.Chunks is not null)
            {
                ValidateChunks(manifestPath, f);
                continue;
            }
            var expectedStored = StoredPathFor(f.Path, f.Compression);
            if (!IsSafeRelativePath(f.Stored) || f.Stored != expectedStored)
                throw new InvalidManifestException(manifestPath, $"stored path '{f.Stored}' of '{f.Path}' is not '{expectedStored}'");
            if (f.Size < 0 || f.StoredSize < 0 || !IsSha256(f.Sha256) || !IsSha256(f.StoredSha256))
                throw new InvalidManifestException(manifestPath, $"file '{f.Path}' has an invalid size or hash");
        }
        foreach (var c in Components)
        {
            if (c.Path != DataLayout.RelativePath(c.Component))
                throw new InvalidManifestException(manifestPath, $"component {c.Component} has path '{c.Path}', expected '{DataLayout.RelativePath(c.Component)}'");
        }
    }

    void ValidateChunks(string manifestPath, FileEntry f)
    {
        if (Format < 2 || f.Component != JameyComponent.Database)
            throw new InvalidManifestException(manifestPath, $"file '{f.Path}' is chunked, which only format 2 allows and only for the database");
        var folder = ChunkFolderFor(f.Path);
        if (!IsSafeRelativePath(f.Stored) || f.Stored != folder)
            throw new InvalidManifestException(manifestPath, $"stored path '{f.Stored}' of chunked '{f.Path}' is not '{folder}'");
        if (f.Size < 0 || !IsSha256(f.Sha256))
            throw new InvalidManifestException(manifestPath, $"file '{f.Path}' has an invalid size or hash");
        long offset = 0, stored = 0;
        for (int i = 0; i < f.Chunks!.Count; i++)
        {
            var c = f.Chunks[i];
            var expected = ChunkPathFor(f.Path, i, c.Compression);
            if (!IsSafeRelativePath(c.Stored) || c.Stored != expected)
                throw new InvalidManifestException(manifestPath, $"stored path '{c.Stored}' of chunk {i} of '{f.Path}' is not '{expected}'");
            if (c.Offset != offset || c.Size <= 0 || c.StoredSize < 0 || !IsSha256(c.Sha256) || !IsSha256(c.StoredSha256))
                throw new InvalidManifestException(manifestPath, $"chunk {i} of '{f.Path}' has an invalid offset, size or hash");
            offset += c.Size;
            stored += c.StoredSize;
        }
        if (offset != f.Size || stored != f.StoredSize)
            throw new InvalidManifestException(manifestPath, $"the chunks of '{f.Path}' add up to {offset} bytes ({stored} stored), the file says {f.Size} ({f.StoredSize} stored)");
    }

    /// <summary>"0" and three octal digits: permission bits only, never setuid, setgid or sticky.</summary>
    static bool IsMode(string s) => s.Length == 4 && s[0] == '0' && s.Skip(1).All(c => c is >= '0' and <= '7');

    /// <summary>
    /// True for an id that names one folder directly under backups/: a single plain name, no '/', '\\', ':', '.' or
    /// '..' (which would name backups/ itself or the repository root), no control character, at most 200 characters.
    /// </summary>
    public static bool IsSafeBackupId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 200 && !id.Contains('/') && IsSafeRelativePath(id);

    static bool IsSha256(string? s) => s is { Length: 64 } && s.All(char.IsAsciiHexDigit);

    /// <summary>The folder that holds a chunked file's pieces: <c>files/&lt;path&gt;.chunks</c>.</summary>
    public static string ChunkFolderFor(string relativePath) => $"{FilesFolder}/{relativePath}.chunks";

    /// <summary>Chunk <paramref name="index"/> of a file: <c>files/&lt;path&gt;.chunks/000042[.zst]</c>.</summary>
    public static string ChunkPathFor(string relativePath, int index, CompressionAlgorithm compression) =>
        $"{ChunkFolderFor(relativePath)}/{index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}{(compression == CompressionAlgorithm.Zstd ? ".zst" : "")}";

    public static string StoredPathFor(string relativePath, CompressionAlgorithm compression) =>
        $"{FilesFolder}/{relativePath}{(compression == CompressionAlgorithm.Zstd ? ".zst" : "")}";

    /// <summary>True for a relative path of plain names: no root, drive, '..', '.', empty segment, backslash or control character.</summary>
    public static bool IsSafeRelativePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024) return false;
        if (path.StartsWith('/') || path.Contains('\\') || path.Contains(':')) return false;
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..") return false;
            if (segment.Any(char.IsControl)) return false;
        }
        return true;
    }

    public JameyBackupComponent[] ToComponentInfos() => Components.Select(c => new JameyBackupComponent
    {
        Component = c.Component,
        RelativePath = c.Path,
        FileCount = c.FileCount,
        Size = c.Size,
        StoredSize = c.StoredSize,
        DocumentCount = c.Index?.DocumentCount,
        SegmentsGeneration = c.Index?.SegmentsGeneration,
        PageCount = c.Database?.PageCount,
        SchemaVersion = c.Database?.SchemaVersion,
        RowCounts = c.Database?.RowCounts is { } rc ? new Dictionary<string, long>(rc) : null,
    }).ToArray();
}
