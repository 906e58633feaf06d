namespace Jamey3;

/// <summary>One restorable part of a Jamey data directory.</summary>
public enum JameyComponent
{
    Database,
    ShortTerm,
    LongTerm,
    Working,
    Episodic,
    Semantic,
}

/// <summary>What a -Component parameter accepts: a component, or Memory for all five index layers.</summary>
public enum JameyComponentSelector
{
    Database,
    ShortTerm,
    LongTerm,
    Working,
    Episodic,
    Semantic,
    Memory,
}

public enum BackupStatus
{
    /// <summary>Published with a readable manifest and every file present at its recorded size.</summary>
    Complete,
    /// <summary>Published, but the manifest or a file is missing, unreadable or the wrong size.</summary>
    Damaged,
    /// <summary>Left in staging by a run that did not finish (crash, kill, Ctrl+C).</summary>
    Incomplete,
    /// <summary>Being written now by a live process.</summary>
    InProgress,
}

public enum CompressionAlgorithm
{
    None,
    Zstd,
}

public enum VerificationMode
{
    /// <summary>Re-hash every stored file against the manifest.</summary>
    Quick,
    /// <summary>Re-hash every byte of content, check every Lucene file's footer checksum, open every index (document
    /// counts) and quick-check the database (PRAGMA quick_check, row counts). The default.</summary>
    Full,
    /// <summary>Remote repositories: re-read a random share (or byte budget) of the objects and check their hashes.</summary>
    Sampled,
    /// <summary>Full, then PRAGMA integrity_check on the database and Lucene's CheckIndex on every index: seconds per
    /// index whatever its size, for when a backup's structure itself is in doubt.</summary>
    Deep,
}
