using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jamey3.Engine.IO;

namespace Jamey3.Engine.History;

/// <summary>
/// What the source repository knows about one off-site destination after the latest copy to it: when a copy last
/// succeeded, and which backups the destination holds. The metrics read it at scrape time (no network call) to say
/// how stale each destination is and how many backups and bytes it is behind. One file per destination under
/// <c>state/copies/</c>, named by a hash of the destination, so copies to different destinations never contend.
/// </summary>
public sealed record CopyStatus
{
    /// <summary>The destination as <c>StoreLocation.ToString()</c> shows it: never a credential.</summary>
    public string Destination { get; init; } = "";
    public DateTimeOffset LastAttemptAt { get; init; }
    public RunOutcome LastOutcome { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    /// <summary>Backup ids present (published) at the destination when the latest successful copy ended.</summary>
    public List<string> BackupIdsAtDestination { get; init; } = [];
    /// <summary>Bytes the latest copy sent (attempts that failed included: what they cost).</summary>
    public long BytesSentLastRun { get; init; }
    public string? LastError { get; init; }
}

/// <summary>Reads and writes <see cref="CopyStatus"/> files (atomic, owner-only, like the run history).</summary>
public static class CopyStatusStore
{
    public const string FolderName = "copies";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string FolderFor(string stateDirectory) => Path.Combine(stateDirectory, FolderName);

    /// <summary><c>state/copies/&lt;first 16 hex of SHA-256(destination)&gt;.json</c>.</summary>
    public static string FileFor(string stateDirectory, string destination) =>
        Path.Combine(FolderFor(stateDirectory),
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(destination)))[..16] + ".json");

    public static void Save(string stateDirectory, CopyStatus status)
    {
        Directory.CreateDirectory(FolderFor(stateDirectory));
        Durability.WritePrivateFileAtomically(FileFor(stateDirectory, status.Destination), JsonSerializer.SerializeToUtf8Bytes(status, Json));
    }

    public static CopyStatus? Load(string stateDirectory, string destination) => Read(FileFor(stateDirectory, destination));

    /// <summary>Every destination's status; unreadable files are skipped (a metrics scrape must not fail on one).</summary>
    public static IReadOnlyList<CopyStatus> LoadAll(string stateDirectory)
    {
        var folder = FolderFor(stateDirectory);
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "*.json").Select(Read).OfType<CopyStatus>()
            .OrderBy(s => s.Destination, StringComparer.Ordinal).ToList();
    }

    static CopyStatus? Read(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<CopyStatus>(File.ReadAllBytes(path), Json) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }
}
