using System.Buffers;
using System.Text.Json;
using Jamey3.Engine.Data;

namespace Jamey3.Engine.Repository;

/// <summary>
/// A fast reader of the manifests Jamey3 writes, for listing: one pass of <see cref="Utf8JsonReader"/> over the bytes,
/// no reflection-based serializer. Listing a thousand backups reads a thousand manifests of a few hundred files each;
/// the general serializer spent most of that time (and its first call, in a fresh process, much more).
/// <para>
/// It reads only the shape Jamey3 writes: every property of its expected JSON type, enums by their exact names. Anything
/// else (a null, a number as a string, a differently-cased enum, a comment, broken JSON) makes it give up, and the caller
/// reads the file with <see cref="Manifest.Load"/>, so every message and every accepted input stays exactly that of the
/// serializer. What it builds is validated by the same <see cref="Manifest.Validate"/>.
/// </para>
/// </summary>
internal static class ManifestReader
{
    /// <summary>Thrown inside the reader when the input is not the plain shape it handles; never escapes <see cref="TryLoad"/>.</summary>
    sealed class NotPlainException : Exception;

    /// <summary>
    /// The manifest at <paramref name="manifestPath"/>, read fast and validated, or exactly what <see cref="Manifest.Load"/>
    /// returns or throws when the fast reader does not handle the file.
    /// </summary>
    public static Manifest Load(string manifestPath)
    {
        var m = TryRead(manifestPath);
        if (m is null) return Manifest.Load(manifestPath);
        m.Validate(manifestPath);
        return m;
    }

    /// <summary>The manifest parsed by the fast reader, unvalidated; null when it does not handle the file.</summary>
    internal static Manifest? TryRead(string manifestPath)
    {
        byte[]? buffer = null;
        try
        {
            using var fs = new FileStream(manifestPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = fs.Length;
            if (length is <= 0 or > 64 * 1024 * 1024) return null; // empty, or larger than any manifest: let the serializer judge
            buffer = ArrayPool<byte>.Shared.Rent((int)length + 1);
            int n = fs.ReadAtLeast(buffer.AsSpan(0, (int)length + 1), (int)length + 1, throwOnEndOfStream: false);
            if (n != length) return null; // changed while read
            return Parse(buffer.AsSpan(0, n));
        }
        catch (Exception e) when (e is NotPlainException or JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            return null;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static Manifest Parse(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var m = new Manifest();
        Next(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (r.ValueTextEquals("format"u8)) m.Format = Int(ref r);
            else if (r.ValueTextEquals("backupId"u8)) m.BackupId = Str(ref r);
            else if (r.ValueTextEquals("createdAt"u8)) m.CreatedAt = Time(ref r);
            else if (r.ValueTextEquals("completedAt"u8)) m.CompletedAt = Time(ref r);
            else if (r.ValueTextEquals("durationSeconds"u8)) { Next(ref r, JsonTokenType.Number); m.DurationSeconds = r.GetDouble(); }
            else if (r.ValueTextEquals("tool"u8)) m.Tool = Tool(ref r);
            else if (r.ValueTextEquals("host"u8)) m.Host = Str(ref r);
            else if (r.ValueTextEquals("sourcePath"u8)) m.SourcePath = Str(ref r);
            else if (r.ValueTextEquals("compression"u8)) m.Compression = Compression(ref r);
            else if (r.ValueTextEquals("components"u8)) m.Components = Components(ref r);
            else if (r.ValueTextEquals("files"u8)) m.Files = Files(ref r);
            else if (r.ValueTextEquals("totals"u8)) m.Totals = Totals(ref r);
            else Skip(ref r);
        }
        if (r.Read()) throw new NotPlainException(); // anything after the object is the serializer's to reject
        return m;
    }

    static Manifest.ToolInfo Tool(ref Utf8JsonReader r)
    {
        var t = new Manifest.ToolInfo();
        Next(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (r.ValueTextEquals("name"u8)) t.Name = Str(ref r);
            else if (r.ValueTextEquals("version"u8)) t.Version = Str(ref r);
            else Skip(ref r);
        }
        return t;
    }

    static List<Manifest.ComponentEntry> Components(ref Utf8JsonReader r)
    {
        var list = new List<Manifest.ComponentEntry>(8);
        Next(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            var c = new Manifest.ComponentEntry();
            while (Property(ref r))
            {
                if (r.ValueTextEquals("component"u8)) c.Component = Component(ref r);
                else if (r.ValueTextEquals("path"u8)) c.Path = Str(ref r);
                else if (r.ValueTextEquals("fileCount"u8)) c.FileCount = Int(ref r);
                else if (r.ValueTextEquals("size"u8)) c.Size = Long(ref r);
                else if (r.ValueTextEquals("storedSize"u8)) c.StoredSize = Long(ref r);
                else if (r.ValueTextEquals("database"u8)) c.Database = Database(ref r);
                else if (r.ValueTextEquals("index"u8)) c.Index = Index(ref r);
                else Skip(ref r);
            }
            list.Add(c);
        }
        return list;
    }

    static Manifest.DatabaseSummary Database(ref Utf8JsonReader r)
    {
        var d = new Manifest.DatabaseSummary();
        Next(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (r.ValueTextEquals("pageCount"u8)) d.PageCount = Long(ref r);
            else if (r.ValueTextEquals("pageSize"u8)) d.PageSize = Long(ref r);
            else if (r.ValueTextEquals("schemaVersion"u8)) d.SchemaVersion = Long(ref r);
            else if (r.ValueTextEquals("journalMode"u8)) d.JournalMode = Str(ref r);
            else if (r.ValueTextEquals("sqliteVersion"u8)) d.SqliteVersion = Str(ref r);
            else if (r.ValueTextEquals("rowCounts"u8))
            {
                var counts = new Dictionary<string, long>();
                Next(ref r, JsonTokenType.StartObject);
                while (Property(ref r))
                {
                    var name = r.GetString()!;
                    counts[name] = Long(ref r); // a repeated name: the last wins, as the serializer does
                }
                d.RowCounts = counts;
            }
            else Skip(ref r);
        }
        return d;
    }

    static Manifest.IndexSummary Index(ref Utf8JsonReader r)
    {
        var x = new Manifest.IndexSummary();
        Next(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (r.ValueTextEquals("segmentsFile"u8)) x.SegmentsFile = Str(ref r);
            else if (r.ValueTextEquals("segmentsGeneration"u8)) x.SegmentsGeneration = Long(ref r);
            else if (r.ValueTextEquals("segmentCount"u8)) x.SegmentCount = Int(ref r);
            else if (r.ValueTextEquals("documentCount"u8)) x.DocumentCount = Long(ref r);
            else if (r.ValueTextEquals("maxDoc"u8)) x.MaxDoc = Long(ref r);
            else Skip(ref r);
        }
        return x;
    }

    static List<Manifest.FileEntry> Files(ref Utf8JsonReader r)
    {
        var list = new List<Manifest.FileEntry>(256);
        Next(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            var f = new Manifest.FileEntry();
            while (Property(ref r))
            {
                if (r.ValueTextEquals("path"u8)) f.Path = Str(ref r);
                else if (r.ValueTextEquals("component"u8)) f.Component = Component(ref r);
                else if (r.ValueTextEquals("size"u8)) f.Size = Long(ref r);
                else if (r.ValueTextEquals("sha256"u8)) f.Sha256 = Str(ref r);
                else if (r.ValueTextEquals("stored"u8)) f.Stored = Str(ref r);
                else if (r.ValueTextEquals("compression"u8)) f.Compression = Compression(ref r);
                else if (r.ValueTextEquals("storedSize"u8)) f.StoredSize = Long(ref r);
                else if (r.ValueTextEquals("storedSha256"u8)) f.StoredSha256 = Str(ref r);
                else if (r.ValueTextEquals("luceneChecksum"u8)) f.LuceneChecksum = Long(ref r);
                else if (r.ValueTextEquals("sharedFrom"u8)) f.SharedFrom = Str(ref r);
                else if (r.ValueTextEquals("mode"u8)) f.Mode = Str(ref r);
                else if (r.ValueTextEquals("modifiedAt"u8)) f.ModifiedAt = Time(ref r);
                else if (r.ValueTextEquals("chunks"u8)) f.Chunks = Chunks(ref r);
                else Skip(ref r);
            }
            list.Add(f);
        }
        return list;
    }

    static List<Manifest.ChunkEntry> Chunks(ref Utf8JsonReader r)
    {
        var list = new List<Manifest.ChunkEntry>();
        Next(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            var c = new Manifest.ChunkEntry();
            while (Property(ref r))
            {
                if (r.ValueTextEquals("offset"u8)) c.Offset = Long(ref r);
                else if (r.ValueTextEquals("size"u8)) c.Size = Long(ref r);
                else if (r.ValueTextEquals("sha256"u8)) c.Sha256 = Str(ref r);
                else if (r.ValueTextEquals("stored"u8)) c.Stored = Str(ref r);
                else if (r.ValueTextEquals("compression"u8)) c.Compression = Compression(ref r);
                else if (r.ValueTextEquals("storedSize"u8)) c.StoredSize = Long(ref r);
                else if (r.ValueTextEquals("storedSha256"u8)) c.StoredSha256 = Str(ref r);
                else if (r.ValueTextEquals("sharedFrom"u8)) c.SharedFrom = Str(ref r);
                else Skip(ref r);
            }
            list.Add(c);
        }
        return list;
    }

    static Manifest.TotalsEntry Totals(ref Utf8JsonReader r)
    {
        var t = new Manifest.TotalsEntry();
        Next(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (r.ValueTextEquals("files"u8)) t.Files = Int(ref r);
            else if (r.ValueTextEquals("size"u8)) t.Size = Long(ref r);
            else if (r.ValueTextEquals("storedSize"u8)) t.StoredSize = Long(ref r);
            else if (r.ValueTextEquals("sharedFiles"u8)) t.SharedFiles = Int(ref r);
            else if (r.ValueTextEquals("sharedChunks"u8)) t.SharedChunks = Int(ref r);
            else Skip(ref r);
        }
        return t;
    }

    static void Next(ref Utf8JsonReader r, JsonTokenType expected)
    {
        if (!r.Read() || r.TokenType != expected) throw new NotPlainException();
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    static bool Property(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new NotPlainException();
        if (r.TokenType == JsonTokenType.EndObject) return false;
        if (r.TokenType != JsonTokenType.PropertyName) throw new NotPlainException();
        return true;
    }

    /// <summary>Moves into the next object of the current array; false at its end.</summary>
    static bool Element(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new NotPlainException();
        if (r.TokenType == JsonTokenType.EndArray) return false;
        if (r.TokenType != JsonTokenType.StartObject) throw new NotPlainException();
        return true;
    }

    static void Skip(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new NotPlainException();
        r.Skip(); // an unknown property, ignored as the serializer ignores it
    }

    static string Str(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.String);
        return r.GetString()!;
    }

    static int Int(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.Number);
        return r.TryGetInt32(out var v) ? v : throw new NotPlainException();
    }

    static long Long(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.Number);
        return r.TryGetInt64(out var v) ? v : throw new NotPlainException();
    }

    static DateTimeOffset Time(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.String);
        return r.TryGetDateTimeOffset(out var t) ? t : throw new NotPlainException();
    }

    static CompressionAlgorithm Compression(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.String);
        if (r.ValueTextEquals("Zstd"u8)) return CompressionAlgorithm.Zstd;
        if (r.ValueTextEquals("None"u8)) return CompressionAlgorithm.None;
        throw new NotPlainException();
    }

    static JameyComponent Component(ref Utf8JsonReader r)
    {
        Next(ref r, JsonTokenType.String);
        if (r.ValueTextEquals("Database"u8)) return JameyComponent.Database;
        if (r.ValueTextEquals("ShortTerm"u8)) return JameyComponent.ShortTerm;
        if (r.ValueTextEquals("LongTerm"u8)) return JameyComponent.LongTerm;
        if (r.ValueTextEquals("Working"u8)) return JameyComponent.Working;
        if (r.ValueTextEquals("Episodic"u8)) return JameyComponent.Episodic;
        if (r.ValueTextEquals("Semantic"u8)) return JameyComponent.Semantic;
        throw new NotPlainException();
    }
}
