namespace Jamey3.Engine.Data;

/// <summary>Where each component lives inside a Jamey data directory.</summary>
public static class DataLayout
{
    public const string DatabaseFile = "jamey.db";
    public const string MemoryFolder = "memory";

    public static readonly IReadOnlyList<JameyComponent> All = Enum.GetValues<JameyComponent>();
    public static readonly IReadOnlyList<JameyComponent> MemoryLayers =
        [JameyComponent.ShortTerm, JameyComponent.LongTerm, JameyComponent.Working, JameyComponent.Episodic, JameyComponent.Semantic];

    public static bool IsIndex(JameyComponent c) => c != JameyComponent.Database;

    /// <summary>The component's path relative to the data directory, with forward slashes.</summary>
    public static string RelativePath(JameyComponent c) => c switch
    {
        JameyComponent.Database => DatabaseFile,
        JameyComponent.ShortTerm => "memory/short_term",
        JameyComponent.LongTerm => "memory/long_term",
        JameyComponent.Working => "memory/working",
        JameyComponent.Episodic => "memory/episodic",
        JameyComponent.Semantic => "memory/semantic",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static string FullPath(string dataPath, JameyComponent c) =>
        Path.Combine(dataPath, RelativePath(c).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Expands selectors (Memory = the five layers) into distinct components in canonical order; null or empty means all.</summary>
    public static IReadOnlyList<JameyComponent> Expand(IEnumerable<JameyComponentSelector>? selectors)
    {
        var list = selectors?.ToList();
        if (list is null || list.Count == 0) return All;
        var set = new HashSet<JameyComponent>();
        foreach (var s in list)
        {
            if (s == JameyComponentSelector.Memory) set.UnionWith(MemoryLayers);
            else set.Add((JameyComponent)(int)s);
        }
        return All.Where(set.Contains).ToList();
    }
}
