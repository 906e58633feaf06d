using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Jamey3.Engine.Data;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>What a restore may touch: only the components it replaces, with the permissions they had, and nothing when it refuses.</summary>
public sealed class RestoreBoundaryTests : RestoreTestBase
{
    string ManifestPath(string repo, string id) => Path.Combine(repo, "backups", id, Manifest.FileName);

    static void EditManifest(string path, Action<JsonArray> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json["files"]!.AsArray());
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void ARepositoryInsideAnIndexFolder_IsNeverMoved_TheRestoreOfThatIndexIsRefused()
    {
        Create(Data, 50);
        var backup = Backup();
        Mutate(Data, 51);
        // A repository that ended up inside a component (made before such paths were refused, or moved there by hand).
        var nested = Path.Combine(DataLayout.FullPath(Data, JameyComponent.ShortTerm), "bk");
        Directory.Move(Repo, nested);
        // The nested repository's run history and locks change with every run; everything else must not.
        SortedDictionary<string, string> Snapshot() => new(HashData(Data).Where(kv => !kv.Key.Contains("/bk/state/") && !kv.Key.Contains("/bk/locks/"))
            .ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        var before = Snapshot();
        var request = new RestoreRequest(nested, backup.BackupId, Data);

        var e = Assert.Throws<UnsafeTargetPathException>(() => new RestoreEngine().Run(request));
        Assert.Equal("UnsafeTargetPath", e.ErrorId);
        Assert.Equal(nested, e.Target);
        Assert.Throws<UnsafeTargetPathException>(() => new RestoreEngine().Plan(request));
        Assert.Equal(before, Snapshot());
        Assert.Empty(OperationFolders());

        // Components that do not hold it restore as usual, and it stays where it is.
        var db = new RestoreEngine().Run(request with { Components = [JameyComponentSelector.Database, JameyComponentSelector.LongTerm], KeepRollback = false });
        Assert.True(db.Verified);
        Assert.True(Directory.Exists(Path.Combine(nested, "backups", backup.BackupId)));
        Assert.Equal(before.Where(kv => kv.Key.StartsWith("memory/short_term/", StringComparison.Ordinal)),
            Snapshot().Where(kv => kv.Key.StartsWith("memory/short_term/", StringComparison.Ordinal)));
    }

    [Fact]
    public void ARepositoryAtDataBackups_StaysPut_ThroughAWholeDataRestore()
    {
        Create(Data, 52);
        var repo = Path.Combine(Data, "backups");
        var backup = new Jamey3.Engine.Backup.BackupEngine().Run(new Jamey3.Engine.Backup.BackupRequest(Data, repo));
        var expected = HashData(Data).Where(kv => kv.Key.StartsWith("memory/", StringComparison.Ordinal) && !kv.Key.EndsWith("segments.gen", StringComparison.Ordinal)).ToList();
        Mutate(Data, 53);
        var stored = HashTree(Path.Combine(repo, "backups"));

        var result = new RestoreEngine().Run(new RestoreRequest(repo, backup.BackupId, Data) { KeepRollback = false });

        Assert.True(result.Verified);
        Assert.Equal(stored, HashTree(Path.Combine(repo, "backups")));
        Assert.Equal(expected, HashData(Data).Where(kv => kv.Key.StartsWith("memory/", StringComparison.Ordinal) && !kv.Key.EndsWith("segments.gen", StringComparison.Ordinal)).ToList());
        Assert.True(new Jamey3.Engine.History.RunHistory(Path.Combine(repo, "state")).Read().Latest[Jamey3.Engine.History.RunOperation.Restore].LastSuccess is not null);
    }

    [Fact]
    public void ARestoreRefusedForLackOfSpace_LeavesNothingBehind()
    {
        Create(Data, 54);
        var backup = Backup();
        // A manifest that claims more content than any disk holds.
        EditManifest(ManifestPath(Repo, backup.BackupId), files =>
            files.First(f => f!["component"]!.GetValue<string>() == "Working")!["size"] = 1L << 60);
        var before = HashData(Data);
        var elsewhere = Path.Combine(Root, "restored");

        var e = Assert.Throws<NotEnoughSpaceException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Equal("NotEnoughSpace", e.ErrorId);
        Assert.Equal(before, HashData(Data));
        Assert.False(Directory.Exists(RestoreEngine.WorkRoot(Data)), "the refused restore left .jamey3-restore behind");

        Assert.Throws<NotEnoughSpaceException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { Destination = elsewhere }));
        Assert.False(Directory.Exists(elsewhere));
    }

    [DllImport("libc", EntryPoint = "umask")]
    static extern uint SetUmask(uint mask);

    static UnixFileMode ModeOf(string path) => File.GetUnixFileMode(path);

    [Fact]
    public void RestoredFiles_GetTheModesTheirManifestRecords_AndNewFoldersAreOwnerOnlyUnlessEveryFileIsShared()
    {
        if (OperatingSystem.IsWindows()) return; // Unix permission bits only; Windows keeps the inherited ACL
        var old = SetUmask(0b000_010_010); // 022, the usual umask under which everything came out world-readable
        try
        {
            Create(Data, 56);
            var backup = Backup();
            EditManifest(ManifestPath(Repo, backup.BackupId), files =>
            {
                foreach (var f in files)
                {
                    var o = f!.AsObject();
                    o.Remove("mode");
                    switch (o["component"]!.GetValue<string>())
                    {
                        case "Database": o["mode"] = "0600"; break;
                        case "ShortTerm": o["mode"] = "0640"; break;
                        case "LongTerm": o["mode"] = "0755"; break; // a manifest with set-id bits is invalid (ManifestTests)
                    }
                }
            });
            var target = Path.Combine(Root, "restored");

            new RestoreEngine().Run(Request(backup.BackupId) with { Destination = target });

            const UnixFileMode rw = UnixFileMode.UserRead | UnixFileMode.UserWrite, rwx = rw | UnixFileMode.UserExecute;
            const UnixFileMode gr = UnixFileMode.GroupRead, gx = UnixFileMode.GroupExecute, or = UnixFileMode.OtherRead, ox = UnixFileMode.OtherExecute;
            Assert.Equal(rw, ModeOf(Path.Combine(target, DataLayout.DatabaseFile)));
            foreach (var f in Directory.GetFiles(DataLayout.FullPath(target, JameyComponent.ShortTerm)).Where(f => !f.EndsWith("write.lock")))
                Assert.Equal(rw | gr, ModeOf(f));
            Assert.Equal(rwx | gr | gx, ModeOf(DataLayout.FullPath(target, JameyComponent.ShortTerm)));
            foreach (var f in Directory.GetFiles(DataLayout.FullPath(target, JameyComponent.LongTerm)))
                Assert.Equal(rwx | gr | gx | or | ox, ModeOf(f));
            Assert.Equal(rwx | gr | gx | or | ox, ModeOf(DataLayout.FullPath(target, JameyComponent.LongTerm)));
            // No mode recorded: files as before (0666 less the umask), the folder owner-only.
            foreach (var f in Directory.GetFiles(DataLayout.FullPath(target, JameyComponent.Working)))
                Assert.Equal(rw | gr | or, ModeOf(f));
            Assert.Equal(rwx, ModeOf(DataLayout.FullPath(target, JameyComponent.Working)));
            Assert.Equal(rwx, ModeOf(Path.Combine(target, DataLayout.MemoryFolder)));
            Assert.Equal(rwx, ModeOf(target));
            Assert.Equal(rwx, ModeOf(RestoreEngine.WorkRoot(target)));
        }
        finally
        {
            SetUmask(old);
        }
    }
}
