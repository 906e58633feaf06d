namespace Jamey3.SampleData;

/// <summary>
/// Names that make up a Jamey 3.0 data directory. Kept in one place so the generator, the
/// simulator and the tests can never disagree about the shape they produce and check.
/// </summary>
public static class JameyLayout
{
    /// <summary>SQLite database file, directly under the data path.</summary>
    public const string DatabaseFileName = "jamey.db";

    /// <summary>Folder under the data path that holds one Lucene index per memory layer.</summary>
    public const string MemoryDirectoryName = "memory";

    /// <summary>Value of <c>PRAGMA user_version</c> and of the <c>schema_version</c> metadata row.</summary>
    public const int SchemaVersion = 3;

    /// <summary>The five memory layers; each is both an index folder name and a <c>memory_records.layer</c> value.</summary>
    public static IReadOnlyList<string> IndexNames { get; } =
        ["short_term", "long_term", "working", "episodic", "semantic"];

    public static string DatabasePath(string dataPath) => Path.Combine(dataPath, DatabaseFileName);

    public static string MemoryPath(string dataPath) => Path.Combine(dataPath, MemoryDirectoryName);

    public static string IndexPath(string dataPath, string indexName) =>
        Path.Combine(dataPath, MemoryDirectoryName, indexName);
}
