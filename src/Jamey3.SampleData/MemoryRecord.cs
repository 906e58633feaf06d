namespace Jamey3.SampleData;

/// <summary>One row of <c>memory_records</c>; the same id, content and timestamp go into the layer's index.</summary>
public sealed class MemoryRecord
{
    public required string Id { get; init; }
    public required string Content { get; init; }
    public required string Layer { get; init; }
    /// <summary>When the remembered thing happened (ISO 8601, UTC).</summary>
    public required DateTime Timestamp { get; init; }
    public required string EmotionalTagsJson { get; init; }
    public required string ContextAssociationsJson { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }

    /// <summary>True when this is a new version of an existing id: the row is updated and the document replaced.</summary>
    public bool IsUpdate { get; init; }

    /// <summary>Approximate UTF-8 size of all column values, used to plan how many records fill a size budget.</summary>
    public int PayloadBytes =>
        Id.Length + Content.Length + Layer.Length + EmotionalTagsJson.Length + ContextAssociationsJson.Length + 3 * 24;

    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static long UnixMs(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeMilliseconds();
}
