namespace Jamey3.Engine.Tests.Infrastructure;

/// <summary>The repository's source tree, found from the test binaries (tests that check code and docs agree).</summary>
public static class SourceTree
{
    public static string Root { get; } = Find();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Jamey3.Backup.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Jamey3.Backup.sln above '{AppContext.BaseDirectory}'.");
    }
}
