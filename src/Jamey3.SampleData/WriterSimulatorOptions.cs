namespace Jamey3.SampleData;

/// <summary>How hard <see cref="JameyWriterSimulator"/> writes. Defaults give a few commits per second per index.</summary>
public sealed record WriterSimulatorOptions
{
    /// <summary>Milliseconds between ticks; every tick is one database transaction plus a commit of each touched index.</summary>
    public int CommitIntervalMs { get; init; } = 100;

    /// <summary>Memories written per tick (new rows and updates together).</summary>
    public int RowsPerTick { get; init; } = 5;

    /// <summary>Share of the written memories that are updates of existing ones (0..1).</summary>
    public double UpdateFraction { get; init; } = 0.25;

    /// <summary>
    /// Start a background <c>ForceMerge</c> on one index (round robin) every this many index commits; 0 turns
    /// it off. At the defaults (~25 commits/s over all indices) that is one every ~8 s, each index every ~40 s.
    /// </summary>
    public int ForceMergeEveryCommits { get; init; } = 200;

    /// <summary>Segment count a forced merge aims for.</summary>
    public int ForceMergeMaxSegments { get; init; } = 2;

    /// <summary>
    /// TieredMergePolicy segments per tier. Small values make Lucene merge (and delete the merged
    /// files) often, which is what a backup taken under load has to cope with.
    /// </summary>
    public int SegmentsPerTier { get; init; } = 4;

    /// <summary>IndexWriter RAM buffer per index.</summary>
    public double RamBufferMB { get; init; } = 16;

    internal void Validate()
    {
        if (CommitIntervalMs < 0) throw new ArgumentOutOfRangeException(nameof(CommitIntervalMs), CommitIntervalMs, "Must be 0 or more.");
        if (RowsPerTick < 1) throw new ArgumentOutOfRangeException(nameof(RowsPerTick), RowsPerTick, "Must be at least 1.");
        if (UpdateFraction is < 0 or > 1 || double.IsNaN(UpdateFraction))
            throw new ArgumentOutOfRangeException(nameof(UpdateFraction), UpdateFraction, "Must be between 0 and 1.");
        if (ForceMergeEveryCommits < 0) throw new ArgumentOutOfRangeException(nameof(ForceMergeEveryCommits), ForceMergeEveryCommits, "Must be 0 or more.");
        if (ForceMergeMaxSegments < 1) throw new ArgumentOutOfRangeException(nameof(ForceMergeMaxSegments), ForceMergeMaxSegments, "Must be at least 1.");
        if (SegmentsPerTier < 2) throw new ArgumentOutOfRangeException(nameof(SegmentsPerTier), SegmentsPerTier, "Must be at least 2.");
        if (RamBufferMB is <= 0 or > 2048) throw new ArgumentOutOfRangeException(nameof(RamBufferMB), RamBufferMB, "Must be in (0, 2048].");
    }
}

/// <summary>Counters of a <see cref="JameyWriterSimulator"/> at one moment.</summary>
public sealed record WriterSimulatorStats
{
    public long Ticks { get; init; }
    public long RowsInserted { get; init; }
    public long RowsUpdated { get; init; }
    public long DbTransactions { get; init; }
    /// <summary>Ticks whose database transaction gave up because the database stayed locked; their documents were skipped too.</summary>
    public long DbBusySkips { get; init; }
    public long DocsAdded { get; init; }
    public long DocsUpdated { get; init; }
    /// <summary>Added or updated documents that a successful commit made durable.</summary>
    public long DocsCommitted { get; init; }
    /// <summary>IndexWriter commits over all five indices.</summary>
    public long Commits { get; init; }
    public long ForceMerges { get; init; }
    public double ElapsedSeconds { get; init; }
}
