using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Restore;

/// <summary>
/// The permissions restored files and folders get (docs/repository-format.md, "Permissions"). A file gets the rwx bits its
/// manifest entry recorded (<c>mode</c>); without one, the platform's default as before. A folder a restore creates is
/// owner-only, widened for group or others only when every file restored into it grants them read access; a folder holding
/// staged or replaced copies (.jamey3-restore) is always owner-only. Windows: nothing is set; the inherited ACL applies.
/// </summary>
internal static class RestoredModes
{
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static UnixFileMode? FileMode(Manifest.FileEntry f) => OperatingSystem.IsWindows() ? null : f.PermissionBits();

    /// <summary>Owner-only, plus r-x for group and for others when every file (with a recorded mode) grants that class read.</summary>
    public static UnixFileMode FolderMode(IEnumerable<Manifest.FileEntry> files)
    {
        var modes = files.Select(f => f.PermissionBits()).ToList();
        if (modes.Count == 0 || modes.Any(m => m is null)) return OwnerOnlyFolder;
        var mode = OwnerOnlyFolder;
        if (modes.All(m => m!.Value.HasFlag(UnixFileMode.GroupRead))) mode |= UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        if (modes.All(m => m!.Value.HasFlag(UnixFileMode.OtherRead))) mode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        return mode;
    }
}
