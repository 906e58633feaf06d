namespace Jamey3.SampleData;

/// <summary>What <see cref="SampleDataGenerator.Generate"/> produced. Serializes to a flat JSON object for the CLI.</summary>
public sealed record SampleDataSummary
{
    public required string DataPath { get; init; }
    public required int Seed { get; init; }
    public required long TargetBytes { get; init; }

    /// <summary>Rows in <c>memory_records</c>.</summary>
    public required long RowCount { get; init; }

    /// <summary>Live documents per index, keyed by index name (same order as <see cref="JameyLayout.IndexNames"/>).</summary>
    public required IReadOnlyDictionary<string, int> DocsPerIndex { get; init; }

    /// <summary>Segments in the last commit of each index.</summary>
    public required IReadOnlyDictionary<string, int> SegmentsPerIndex { get; init; }

    /// <summary>Commits the generator made on each index.</summary>
    public required IReadOnlyDictionary<string, int> CommitsPerIndex { get; init; }

    /// <summary>Size on disk of <c>jamey.db</c> plus any <c>-wal</c>/<c>-shm</c> left next to it.</summary>
    public required long DatabaseBytes { get; init; }

    /// <summary>Size on disk of each index folder.</summary>
    public required IReadOnlyDictionary<string, long> IndexBytes { get; init; }

    public required double ElapsedSeconds { get; init; }

    public int TotalDocs => DocsPerIndex.Values.Sum();

    public long TotalIndexBytes => IndexBytes.Values.Sum();

    /// <summary>Bytes the generated directory occupies: database plus all indices.</summary>
    public long BytesWritten => DatabaseBytes + TotalIndexBytes;

    /// <summary>Generation speed in MiB of output per second.</summary>
    public double MegabytesPerSecond => ElapsedSeconds > 0 ? BytesWritten / 1048576.0 / ElapsedSeconds : 0;
}
