using System.Text.Json.Nodes;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>Damaged and hostile backups: refused before anything in the destination (or outside it) changes.</summary>
public sealed class RestoreSafetyTests : RestoreTestBase
{
    string BackupDir(string id) => Path.Combine(Repo, "backups", id);

    (JameyBackup Backup, SortedDictionary<string, string> Before) Prepare(int seed)
    {
        Create(Data, seed);
        var backup = Backup();
        Mutate(Data, seed + 1);
        return (backup, HashData(Data));
    }

    static void FlipOneByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData(JameyComponent.LongTerm, CompressionAlgorithm.Zstd)]
    [InlineData(JameyComponent.Database, CompressionAlgorithm.Zstd)]
    [InlineData(JameyComponent.Semantic, CompressionAlgorithm.None)]
    public void CorruptStoredFile_IsRefused_NamesTheFile_AndChangesNothing(JameyComponent damaged, CompressionAlgorithm compression)
    {
        Create(Data, 20);
        var backup = Backup(compression: compression);
        Mutate(Data, 21);
        var before = HashData(Data);
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        // The largest stored file of the component (for the chunked database, its largest chunk).
        var victim = manifest.Files.Where(f => f.Component == damaged).SelectMany(f => f.StoredParts()).OrderByDescending(p => p.StoredSize).First();
        FlipOneByte(Path.Combine(BackupDir(backup.BackupId), victim.Stored));

        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));

        Assert.Equal("BackupVerificationFailed", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidData, e.Kind);
        Assert.Contains(victim.Stored, e.Message);
        Assert.Equal(victim.Stored, e.Target);
        Assert.Contains(e.Problems, p => p.File == victim.Stored && p.Component == damaged);
        Assert.Equal(before, HashData(Data));
        Assert.Empty(OperationFolders());
        var history = new RunHistory(Path.Combine(Repo, "state")).Read();
        Assert.False(history.Latest[RunOperation.Restore].LastAttempt!.Success);
    }

    [Fact]
    public void CorruptBackup_OtherComponentsStillRestore_AndAllowDamagedSalvages()
    {
        var (backup, _) = Prepare(22);
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        var victim = manifest.Files.Where(f => f.Component == JameyComponent.Episodic).OrderByDescending(f => f.StoredSize).First();
        FlipOneByte(Path.Combine(BackupDir(backup.BackupId), victim.Stored));

        // Only what is restored is verified: the database alone restores fine.
        var dbOnly = new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Database));
        Assert.True(dbOnly.Verified);

        var observer = new RecordingObserver();
        var salvage = new RestoreEngine(observer).Run(Request(backup.BackupId) with { AllowDamaged = true });
        Assert.False(salvage.Verified);
        Assert.Contains(salvage.Problems, p => p.File == victim.Stored);
        Assert.Contains(observer.Warnings, w => w.Contains(victim.Stored));
        Assert.Equal(DataLayout.All, salvage.Components);
    }

    [Fact]
    public void MissingStoredFile_IsRefused()
    {
        var (backup, before) = Prepare(24);
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        var victim = manifest.Files.First(f => f.Component == JameyComponent.Working);
        File.Delete(Path.Combine(BackupDir(backup.BackupId), victim.Stored));

        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Contains(victim.Stored, e.Message);
        Assert.Equal(before, HashData(Data));
    }

    [Theory]
    [InlineData("../../outside/evil")]
    [InlineData("/tmp/jamey3-evil")]
    [InlineData("memory/long_term/../../../outside/evil")]
    [InlineData("memory/long_term/sub/evil")]
    public void ManifestNamingPathsOutsideTheBackup_IsRejected(string hostilePath)
    {
        var (backup, before) = Prepare(26);
        var manifestPath = Path.Combine(BackupDir(backup.BackupId), Manifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var file = json["files"]!.AsArray().First(f => f!["component"]!.GetValue<string>() == "LongTerm")!;
        file["path"] = hostilePath;
        file["stored"] = "files/" + hostilePath;
        File.WriteAllText(manifestPath, json.ToJsonString());
        var outside = Path.Combine(Root, "outside");

        var e = Assert.Throws<InvalidManifestException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Equal("InvalidManifest", e.ErrorId);
        Assert.Throws<InvalidManifestException>(() => new RestoreEngine().Plan(Request(backup.BackupId)));

        Assert.Equal(before, HashData(Data));
        Assert.False(Directory.Exists(outside));
        Assert.False(File.Exists("/tmp/jamey3-evil"));
        Assert.Empty(OperationFolders());
    }

    [Fact]
    public void StoredFileThatIsASymlink_IsRefusedEvenWithMatchingContent()
    {
        var (backup, before) = Prepare(28);
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        var victim = manifest.Files.First(f => f.Component == JameyComponent.Database).StoredParts().First();
        var stored = Path.Combine(BackupDir(backup.BackupId), victim.Stored);
        var outside = Path.Combine(Root, "outside");
        Directory.CreateDirectory(outside);
        var decoy = Path.Combine(outside, "decoy");
        File.Move(stored, decoy); // same bytes, so every hash still matches
        File.CreateSymbolicLink(stored, decoy);
        var outsideBefore = HashTree(outside);

        var e = Assert.Throws<UnsafeBackupPathException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { AllowDamaged = true }));

        Assert.Equal("UnsafeBackupPath", e.ErrorId);
        Assert.Contains("link", e.Message);
        Assert.Equal(before, HashData(Data));
        Assert.Equal(outsideBefore, HashTree(outside));
        Assert.Empty(OperationFolders());
    }

    [Fact]
    public void StoredFolderThatIsASymlink_IsRefused()
    {
        var (backup, before) = Prepare(30);
        var folder = Path.Combine(BackupDir(backup.BackupId), "files", "memory", "semantic");
        var outside = Path.Combine(Root, "outside-semantic");
        Directory.Move(folder, outside);
        Directory.CreateSymbolicLink(folder, outside);

        var e = Assert.Throws<UnsafeBackupPathException>(() => new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Semantic)));

        Assert.Contains("semantic", e.Message);
        Assert.Equal(before, HashData(Data));
    }

    [Fact]
    public void DestinationFolderThatIsASymlink_IsRefused()
    {
        var (backup, _) = Prepare(32);
        var memory = Path.Combine(Data, "memory");
        var elsewhere = Path.Combine(Root, "memory-elsewhere");
        Directory.Move(memory, elsewhere);
        Directory.CreateSymbolicLink(memory, elsewhere);
        var elsewhereBefore = HashTree(elsewhere);

        var e = Assert.Throws<UnsafeTargetPathException>(() => new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.LongTerm)));

        Assert.Equal("UnsafeTargetPath", e.ErrorId);
        Assert.Equal(elsewhereBefore, HashTree(elsewhere));
    }
}
