using System.Text.Json;

namespace Jamey3.Engine.Remote;

/// <summary>
/// <c>leases/copy-&lt;copyId&gt;</c>: a copy in progress. Retention's sweep stops while an unexpired one exists, and a
/// listing shows it as a copy InProgress. Holds no secret: host, process, times and the backups being copied.
/// </summary>
public sealed record RemoteLease
{
    /// <summary>How long a lease holds without renewal; the copier renews it every <see cref="RenewEvery"/>.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(5);

    public string CopyId { get; init; } = "";
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    /// <summary>The backups this copy publishes (for a person reading the lease).</summary>
    public List<string> BackupIds { get; init; } = [];

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RemoteJson.Options);

    /// <summary>Parses a lease; an unreadable one is null (it is treated as unexpired by the careful side: see the callers).</summary>
    public static RemoteLease? TryParse(ReadOnlySpan<byte> json)
    {
        try { return JsonSerializer.Deserialize<RemoteLease>(json, RemoteJson.Options); }
        catch (JsonException) { return null; }
    }
}
