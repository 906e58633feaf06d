using Jamey3.Engine.Data;
using Jamey3.Engine.IO;
using Jamey3.Engine.Progress;

namespace Jamey3.Engine.Restore;

/// <summary>
/// Moves one component between three places with renames only, all on the destination's file system:
/// L, the live path in the destination; N, the operation's new/ copy; R, the operation's rollback/ copy.
/// <para>
/// A swap (<see cref="Forward"/>) is: move L's side files aside into R, move L into R, move N into L. A database's
/// side files are jamey.db-wal, jamey.db-shm and jamey.db-journal: they belong to the old database and would corrupt
/// the new one (a -wal is replayed into whatever jamey.db sits beside it), so they leave first and come back last;
/// the destination never holds side files without the main file they belong to. An index folder is one rename.
/// </para>
/// <para>
/// Every step is a single atomic rename followed by flushing both folders, and every step first checks that its
/// source is still there: which steps happened is read from the file system, so <see cref="Forward"/> and
/// <see cref="Backward"/> can each be interrupted at any point and run again (idempotent). Rules:
/// N present means the new copy is not in L yet; N absent (after staging) means it is in L.
/// Whatever sits in a place a step must fill, and is not what the journal expects, is moved to displaced/,
/// never deleted.
/// </para>
/// </summary>
internal sealed class ComponentSwapper(string destination, string operationDirectory, Action<string>? hook, IOperationObserver observer)
{
    public const string NewFolder = "new";
    public const string RollbackFolder = "rollback";
    public const string DisplacedFolder = "displaced";

    public string NewRoot { get; } = Path.Combine(operationDirectory, NewFolder);
    public string RollbackRoot { get; } = Path.Combine(operationDirectory, RollbackFolder);
    string DisplacedRoot => Path.Combine(operationDirectory, DisplacedFolder);

    /// <summary>Permission bits of a folder a move must create (memory/ in a destination that has none): owner-only unless told.</summary>
    public UnixFileMode ParentMode { get; init; } = RestoredModes.OwnerOnlyFolder;

    /// <summary>Files beside jamey.db that belong to it.</summary>
    public static readonly string[] DatabaseSideSuffixes = ["-wal", "-shm", "-journal"];

    public static IReadOnlyList<string> SideFiles(JameyComponent c) =>
        c == JameyComponent.Database ? DatabaseSideSuffixes.Select(s => DataLayout.DatabaseFile + s).ToArray() : [];

    string L(string relative) => Combine(destination, relative);
    string N(string relative) => Combine(NewRoot, relative);
    string R(string relative) => Combine(RollbackRoot, relative);

    static string Combine(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>True when the staged copy of the component is still waiting in new/.</summary>
    public bool IsStaged(JameyComponent c) => Present(N(DataLayout.RelativePath(c)));

    /// <summary>Swaps the new copy in; the old one (if any) goes to rollback/. No-op when already done.</summary>
    public void Forward(JameyComponent c, string phase)
    {
        var main = DataLayout.RelativePath(c);
        if (!Present(N(main))) return; // already swapped in
        foreach (var side in SideFiles(c))
            if (Present(L(side))) Move(L(side), FreeOrDisplaced(R(side), side), $"{phase}:{c}:aside:{side}");
        if (Present(L(main))) Move(L(main), FreeOrDisplaced(R(main), main), $"{phase}:{c}:aside:{main}");
        Move(N(main), L(main), $"{phase}:{c}:in:{main}");
    }

    /// <summary>
    /// Undoes <see cref="Forward"/> from whatever point it reached: the new copy goes back to new/, the old one
    /// (if any) back to the destination. Only valid once the component was staged (journal state Staged or later).
    /// </summary>
    public void Backward(JameyComponent c, string phase)
    {
        var main = DataLayout.RelativePath(c);
        if (!Present(N(main)) && Present(L(main)))
        {
            // The new copy is in L: take it out, with any side files someone created beside it meanwhile.
            foreach (var side in SideFiles(c))
                if (Present(L(side))) Move(L(side), FreeOrDisplaced(N(side), side), $"{phase}:{c}:out:{side}");
            Move(L(main), N(main), $"{phase}:{c}:out:{main}");
        }
        if (Present(R(main)))
        {
            if (Present(L(main))) Move(L(main), Displaced(main), $"{phase}:{c}:displace:{main}");
            Move(R(main), L(main), $"{phase}:{c}:back:{main}");
        }
        foreach (var side in SideFiles(c))
        {
            if (!Present(R(side))) continue;
            if (Present(L(side))) Move(L(side), Displaced(side), $"{phase}:{c}:displace:{side}");
            Move(R(side), L(side), $"{phase}:{c}:back:{side}");
        }
    }

    /// <summary>True when rollback/ holds any file (folders alone do not count).</summary>
    public bool RollbackHoldsData() =>
        Directory.Exists(RollbackRoot) && Directory.EnumerateFiles(RollbackRoot, "*", SearchOption.AllDirectories).Any();

    public bool HasDisplaced() => Directory.Exists(DisplacedRoot) && Directory.EnumerateFileSystemEntries(DisplacedRoot).Any();

    string FreeOrDisplaced(string target, string relative) => Present(target) ? Displaced(relative) : target;

    string Displaced(string relative)
    {
        for (int n = 1; ; n++)
        {
            var candidate = Combine(DisplacedRoot, $"{relative}.{n}");
            if (!Present(candidate))
            {
                observer.Warning($"'{L(relative)}' was not what the restore journal expects there; it was moved to '{candidate}' instead of being overwritten.");
                return candidate;
            }
        }
    }

    void Move(string from, string to, string step)
    {
        var toParent = Path.GetDirectoryName(to)!;
        if (!Directory.Exists(toParent))
        {
            RestoreEngine.CreateFolder(toParent, ParentMode);
            Durability.FlushDirectory(Path.GetDirectoryName(toParent)!);
        }
        if (Directory.Exists(from) && new DirectoryInfo(from).LinkTarget is null)
        {
            Durability.MoveDirectory(from, to);
        }
        else
        {
            File.Move(from, to, overwrite: false);
            Durability.FlushDirectory(toParent);
            var fromParent = Path.GetDirectoryName(from)!;
            if (!string.Equals(fromParent, toParent, StringComparison.Ordinal)) Durability.FlushDirectory(fromParent);
        }
        hook?.Invoke(step);
    }

    /// <summary>Anything at the path, a dangling link included.</summary>
    public static bool Present(string path) => Path.Exists(path) || new FileInfo(path).LinkTarget is not null;
}
