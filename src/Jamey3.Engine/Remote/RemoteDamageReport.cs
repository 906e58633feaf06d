using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// <c>damage/&lt;utc time&gt;-&lt;random&gt;</c>: the objects a check found damaged at the destination (stored bytes wrong,
/// wrong size, unreadable), so that the next copy, on any host, re-reads and replaces them without <c>-Repair</c>
/// (docs/remote-format.md, "Repair"). Holds object names only (keyed hashes when encrypted), the backup id, the time
/// and the host: no content, no path, no credential.
/// </summary>
public sealed partial record RemoteDamageReport
{
    public string BackupId { get; init; } = "";
    public DateTimeOffset FoundAt { get; init; }
    public string Host { get; init; } = "";
    public List<string> Objects { get; init; } = [];

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RemoteJson.Options);

    public static RemoteDamageReport? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var r = JsonSerializer.Deserialize<RemoteDamageReport>(json, RemoteJson.Options);
            return r is null ? null : r with { Objects = r.Objects.Where(RemoteLayout.IsObjectName).ToList() };
        }
        catch (JsonException) { return null; }
    }

    [GeneratedRegex("data/[0-9a-f]{2}/([0-9a-f]{64})")]
    private static partial Regex ObjectKeyPattern();

    /// <summary>The objects a failed check's problems name (every message names the object's key).</summary>
    public static List<string> NamesIn(JameyBackupTestResult result) =>
        result.Problems.SelectMany(p => new[] { p.Message, p.File })
            .Where(s => s is not null)
            .SelectMany(s => ObjectKeyPattern().Matches(s!).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Writes the report for a failed check, create-only. Best effort: a store that refuses it (read-only credential,
    /// write-once rules) gives a warning; the check's result stands either way.
    /// </summary>
    public static void WriteFor(RemoteRepository repository, JameyBackupTestResult result, IOperationObserver observer, CancellationToken ct)
    {
        if (result.Passed) return;
        var names = NamesIn(result);
        if (names.Count == 0) return; // a manifest or index problem: no object to repair
        var now = DateTimeOffset.UtcNow;
        var id = $"{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        var report = new RemoteDamageReport { BackupId = result.BackupId, FoundAt = now, Host = Environment.MachineName, Objects = names };
        try
        {
            repository.PutAsync(RemoteLayout.DamageKey(id), report.ToJson(), createOnly: true, ct).GetAwaiter().GetResult();
            observer.Verbose($"Damage report '{RemoteLayout.DamageKey(id)}' written ({names.Count} object(s)); the next copy replaces them.");
        }
        catch (Exception e) when (e is ObjectStoreException or IOException or UnauthorizedAccessException)
        {
            observer.Warning($"The damage report for {names.Count} object(s) could not be written to '{repository.Location}' ({e.Message}); " +
                "the next copy will not know them: copy with -Repair to replace them.");
        }
    }

    /// <summary>Every readable report with its key (unreadable ones are skipped and left in place).</summary>
    public static async Task<List<(string Key, RemoteDamageReport Report)>> ListAsync(RemoteRepository repository, CancellationToken ct)
    {
        var reports = new List<(string, RemoteDamageReport)>();
        await foreach (var o in repository.Store.ListAsync(RemoteLayout.DamagePrefix, ct).ConfigureAwait(false))
        {
            byte[] bytes;
            try { bytes = await RemoteRepository.ReadAllAsync(repository.Store, o.Key, ct).ConfigureAwait(false); }
            catch (ObjectNotFoundException) { continue; }
            if (TryParse(bytes) is { } r) reports.Add((o.Key, r));
        }
        return reports;
    }
}
