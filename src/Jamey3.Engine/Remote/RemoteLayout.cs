namespace Jamey3.Engine.Remote;

/// <summary>
/// The keys of a remote repository (docs/remote-format.md, "Layout"), relative to the location's prefix. The one place
/// that spells them: the copy, the readers and retention all go through here.
/// </summary>
public static class RemoteLayout
{
    public const string ConfigKey = "config";
    public const string DataPrefix = "data/";
    public const string IndexesPrefix = "indexes/";
    public const string ManifestsPrefix = "manifests/";
    public const string LeasesPrefix = "leases/";
    public const string GcPrefix = "gc/";
    /// <summary>A check's damage report: <c>damage/&lt;utc time&gt;-&lt;random&gt;</c>, read and removed by the next copy.</summary>
    public const string DamagePrefix = "damage/";
    /// <summary>A copy in progress: <c>leases/copy-&lt;copyId&gt;</c>.</summary>
    public const string CopyLeasePrefix = LeasesPrefix + "copy-";
    /// <summary>Retention phase 1's record: <c>gc/&lt;gcId&gt;.marks</c>.</summary>
    public const string MarksSuffix = ".marks";
    /// <summary>Retention phase 2 in progress: <c>gc/&lt;gcId&gt;.deleting</c>.</summary>
    public const string DeletingSuffix = ".deleting";

    /// <summary><c>data/&lt;first two hex digits&gt;/&lt;name&gt;</c>: 256 prefixes keep folders and listings balanced.</summary>
    public static string ObjectKey(string name)
    {
        if (!IsObjectName(name)) throw new ArgumentException($"'{name}' is not an object name (64 lower-case hex digits).", nameof(name));
        return $"{DataPrefix}{name[..2]}/{name}";
    }

    public static string IndexKey(string backupId) => IndexesPrefix + RequireId(backupId);
    public static string ManifestKey(string backupId) => ManifestsPrefix + RequireId(backupId);
    public static string LeaseKey(string copyId) => CopyLeasePrefix + RequireId(copyId);
    public static string DamageKey(string reportId) => DamagePrefix + RequireId(reportId);

    /// <summary>The object name a <c>data/</c> key holds, or null for anything else (a temporary, a stray key).</summary>
    public static string? NameFromObjectKey(string key)
    {
        if (!key.StartsWith(DataPrefix, StringComparison.Ordinal)) return null;
        var rest = key.AsSpan(DataPrefix.Length);
        if (rest.Length != 3 + 64 || rest[2] != '/') return null;
        var name = rest[3..].ToString();
        return IsObjectName(name) && rest[..2].SequenceEqual(name.AsSpan(0, 2)) ? name : null;
    }

    /// <summary>The backup id a <c>manifests/</c> (or <c>indexes/</c>) key names, or null when it names none.</summary>
    public static string? BackupIdFromKey(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var id = key[prefix.Length..];
        return Repository.Manifest.IsSafeBackupId(id) && !id.StartsWith('.') ? id : null;
    }

    /// <summary>64 lower-case hex digits: a plain SHA-256 or a keyed HMAC-SHA-256 name.</summary>
    public static bool IsObjectName(string? name) =>
        name is { Length: 64 } && name.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    static string RequireId(string id) =>
        Repository.Manifest.IsSafeBackupId(id) && !id.StartsWith('.') ? id : throw new ArgumentException($"'{id}' is not a plain id.", nameof(id));
}
