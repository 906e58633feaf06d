using System.Globalization;
using System.Text;

namespace Jamey3.Engine.Storage;

/// <summary>
/// What a backup last proved about stored files: that the inode (device, inode number) with this size, mtime and
/// ctime held bytes whose SHA-256 is the recorded one, and when those bytes were last read or written. A later backup
/// that finds a stored file with the same identity knows nobody changed it through the file system since, and may
/// hard-link it without reading it again (docs/repository-format.md, "Damage never spreads").
/// Kept in <c>state/stored-evidence.tsv</c>; only ever a shortcut: a missing, unreadable or foreign file costs a
/// re-read of the bytes, never a wrong link.
/// </summary>
public sealed class StoredEvidence
{
    public const string FileName = "stored-evidence.tsv";
    const string Header = "# Jamey3 stored-file evidence 1: device inode size mtime_ns ctime_ns links verified_unix_ms stored_sha256";
    /// <summary>
    /// How long evidence stands before the bytes are read again: damage that changes no metadata (a failing disk)
    /// is caught by the first backup after this, or at once after a failed Test-JameyBackup.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    readonly record struct Entry(FileIdentity Identity, string StoredSha256, DateTimeOffset VerifiedAt);

    readonly Dictionary<(ulong, ulong), Entry> _entries;

    StoredEvidence(Dictionary<(ulong, ulong), Entry> entries) => _entries = entries;

    public static StoredEvidence Empty => new([]);

    public int Count => _entries.Count;

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>
    /// Reads the evidence, keeping only entries verified within <see cref="MaxAge"/> of <paramref name="now"/> and
    /// after <paramref name="distrustBefore"/> (the latest failed verification: whatever it found must be read again).
    /// </summary>
    public static StoredEvidence Load(string stateDirectory, DateTimeOffset now, DateTimeOffset? distrustBefore)
    {
        var entries = new Dictionary<(ulong, ulong), Entry>();
        try
        {
            using var reader = new StreamReader(PathIn(stateDirectory), Encoding.UTF8);
            if (reader.ReadLine() != Header) return new(entries);
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                var f = line.Split('\t');
                if (f.Length != 8
                    || !ulong.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var dev)
                    || !ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ino)
                    || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    || !long.TryParse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)
                    || !long.TryParse(f[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ctime)
                    || !uint.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out var links)
                    || !long.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out var verifiedMs)
                    || f[7].Length != 64)
                    return new([]); // not ours, or damaged: trust none of it
                var verified = DateTimeOffset.FromUnixTimeMilliseconds(verifiedMs);
                if (!Fresh(verified, now) || verified <= distrustBefore) continue;
                entries[(dev, ino)] = new Entry(new FileIdentity(dev, ino, size, mtime, ctime, links), f[7], verified);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException) { return new([]); }
        return new(entries);
    }

    static bool Fresh(DateTimeOffset verified, DateTimeOffset now) => verified <= now + TimeSpan.FromMinutes(1) && now - verified < MaxAge;

    /// <summary>
    /// When the stored file at <paramref name="path"/> is the very inode this evidence describes, unchanged, with the
    /// expected size and stored hash: the moment its bytes were last proven; otherwise null (read them again).
    /// </summary>
    /// <remarks>
    /// Unchanged: same device, inode, size and mtime, and the same ctime, or a ctime moved only by an unlink of
    /// another name of the file (retention removing an older backup that shared it: fewer links than recorded).
    /// </remarks>
    public DateTimeOffset? Vouches(string path, long storedSize, string storedSha256, DateTimeOffset now)
    {
        if (_entries.Count == 0 || FileStatus.Of(path) is not { } id) return null;
        if (!_entries.TryGetValue((id.Device, id.Inode), out var e)) return null;
        var then = e.Identity;
        if (id.Size != storedSize || then.Size != storedSize || id.ModifiedNs != then.ModifiedNs) return null;
        if (id.ChangedNs != then.ChangedNs && !(id.Links < then.Links && id.ChangedNs > then.ChangedNs)) return null;
        if (!string.Equals(e.StoredSha256, storedSha256, StringComparison.OrdinalIgnoreCase) || !Fresh(e.VerifiedAt, now)) return null;
        return e.VerifiedAt;
    }

    /// <summary>
    /// Records the stored files of a backup just published (their identities as they are now, after every link this
    /// run made), keeping <paramref name="previous"/>'s still-fresh entries for other inodes, and replaces the file atomically.
    /// </summary>
    public static int Save(string stateDirectory, IEnumerable<(string Path, long StoredSize, string StoredSha256, DateTimeOffset VerifiedAt)> files,
        StoredEvidence? previous, DateTimeOffset now)
    {
        var entries = new Dictionary<(ulong, ulong), Entry>();
        if (previous is not null)
            foreach (var (key, e) in previous._entries)
                if (Fresh(e.VerifiedAt, now)) entries[key] = e;
        foreach (var (path, storedSize, sha, verified) in files)
        {
            if (sha.Length != 64 || FileStatus.Of(path) is not { } id || id.Size != storedSize) continue;
            entries[(id.Device, id.Inode)] = new Entry(id, sha.ToLowerInvariant(), verified);
        }
        var target = PathIn(stateDirectory);
        if (entries.Count == 0 && !File.Exists(target)) return 0; // a platform without file identities: nothing to keep
        var text = new StringBuilder(Header).Append('\n');
        foreach (var e in entries.Values)
        {
            var i = e.Identity;
            text.Append(CultureInfo.InvariantCulture, $"{i.Device}\t{i.Inode}\t{i.Size}\t{i.ModifiedNs}\t{i.ChangedNs}\t{i.Links}\t{e.VerifiedAt.ToUnixTimeMilliseconds()}\t{e.StoredSha256}\n");
        }
        IO.Durability.WritePrivateFileAtomically(target, Encoding.UTF8.GetBytes(text.ToString()));
        return entries.Count;
    }
}
