using System.Text.Json.Nodes;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Tests.Restore;
using Jamey3.Engine.Verification;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Verification;

/// <summary>Test-JameyBackup refuses exactly what a restore refuses, for the same reason: both read through BackupContent.</summary>
public sealed class VerificationAgreesWithRestoreTests : RestoreTestBase
{
    string BackupDir(string id) => Path.Combine(Repo, "backups", id);
    string Outside => Path.Combine(Root, "outside");

    /// <summary>Moves a part of the backup outside the repository and puts a symbolic link to it in its place: same bytes, every hash matches.</summary>
    void LinkOut(string path)
    {
        Directory.CreateDirectory(Outside);
        var moved = Path.Combine(Outside, Path.GetFileName(path));
        if (Directory.Exists(path))
        {
            Directory.Move(path, moved);
            Directory.CreateSymbolicLink(path, moved);
        }
        else
        {
            File.Move(path, moved);
            File.CreateSymbolicLink(path, moved);
        }
    }

    [Theory]
    [InlineData("backup folder")]
    [InlineData("manifest")]
    [InlineData("files folder")]
    [InlineData("component folder")]
    [InlineData("stored file")]
    public void ALinkedPartOfTheBackup_FailsQuickAndFullTests_WithTheReasonRestoreRefusesIt(string what)
    {
        Create(Data, 40);
        var backup = Backup();
        var dir = BackupDir(backup.BackupId);
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        LinkOut(what switch
        {
            "backup folder" => dir,
            "manifest" => Path.Combine(dir, Manifest.FileName),
            "files folder" => Path.Combine(dir, Manifest.FilesFolder),
            "component folder" => Path.Combine(dir, Manifest.FilesFolder, "memory", "working"),
            _ => Path.Combine(dir, manifest.Files.First(f => f.Component == JameyComponent.Working).Stored),
        });
        Mutate(Data, 41);
        var before = HashData(Data);

        var refusal = Assert.Throws<UnsafeBackupPathException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { AllowDamaged = true }));
        Assert.Equal(before, HashData(Data));

        foreach (var mode in new[] { VerificationMode.Quick, VerificationMode.Full })
        {
            var result = new BackupVerifier().Verify(new BackupRepository(Repo), backup.BackupId, mode);
            Assert.False(result.Passed, $"{mode} test passed a backup whose {what} is a link");
            Assert.Contains(result.Problems, p => p.Message == refusal.Message);
        }
    }

    [LinuxFact]
    public void AStoredFileReplacedByAPipe_IsRefusedAtOnceByRestoreAndBothTests()
    {
        Create(Data, 42);
        var backup = Backup();
        var stored = Path.Combine(BackupDir(backup.BackupId),
            new BackupRepository(Repo).LoadManifest(backup.BackupId).Files.First(f => f.Component == JameyComponent.Working).Stored);
        File.Delete(stored);
        var mkfifo = System.Diagnostics.Process.Start("mkfifo", [stored])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);

        // Opening a pipe for reading blocks until a writer comes: a reader that opened it would never return.
        var refusal = Task.Run(() => Assert.Throws<UnsafeBackupPathException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { AllowDamaged = true })));
        Assert.True(refusal.Wait(TimeSpan.FromSeconds(60)), "the restore blocked on a pipe planted as a stored file");
        Assert.Contains("not a regular file", refusal.Result.Message);
        foreach (var mode in new[] { VerificationMode.Quick, VerificationMode.Full })
        {
            var verify = Task.Run(() => new BackupVerifier().Verify(new BackupRepository(Repo), backup.BackupId, mode));
            Assert.True(verify.Wait(TimeSpan.FromSeconds(60)), $"the {mode} test blocked on a pipe planted as a stored file");
            Assert.False(verify.Result.Passed);
            Assert.Contains(verify.Result.Problems, p => p.Message == refusal.Result.Message);
        }
    }

    /// <summary>A zstd stream of many zeros, stored in place of a Lucene file, with a manifest made to match its stored bytes.</summary>
    (Manifest.FileEntry Victim, long Expanded) PlantDecompressionBomb(string backupId)
    {
        const long expanded = 64L << 20;
        var dir = BackupDir(backupId);
        var manifestPath = Path.Combine(dir, Manifest.FileName);
        var victim = new BackupRepository(Repo).LoadManifest(backupId).Files
            .Where(f => f.Component == JameyComponent.LongTerm).OrderByDescending(f => f.Size).First();
        File.Delete(Path.Combine(dir, victim.Stored));
        var bombRelative = Manifest.StoredPathFor(victim.Path, CompressionAlgorithm.Zstd);
        var bomb = Path.Combine(dir, bombRelative);
        using (var file = File.Create(bomb))
        using (var z = new ZstdSharp.CompressionStream(file, 19))
        {
            var zeros = new byte[1 << 20];
            for (long n = 0; n < expanded; n += zeros.Length) z.Write(zeros);
        }
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var entry = json["files"]!.AsArray().First(f => f!["path"]!.GetValue<string>() == victim.Path)!;
        entry["compression"] = "Zstd";
        entry["stored"] = bombRelative;
        entry["storedSize"] = new FileInfo(bomb).Length;
        entry["storedSha256"] = HashFile(bomb);
        File.WriteAllText(manifestPath, json.ToJsonString());
        Assert.True(new FileInfo(bomb).Length < 64 * 1024);
        return (new BackupRepository(Repo).LoadManifest(backupId).Files.Single(f => f.Path == victim.Path), expanded);
    }

    [Fact]
    public void AStoredFileThatExpandsFarBeyondItsSize_IsStoppedOneBytePastIt_InRestoreAndVerification()
    {
        Create(Data, 42);
        var backup = Backup();
        var (victim, expanded) = PlantDecompressionBomb(backup.BackupId);
        Mutate(Data, 43);
        var before = HashData(Data);

        long? stagedLength = null;
        var engine = new RestoreEngine
        {
            StepHook = step =>
            {
                if (step != $"prepare:extracted:{JameyComponent.LongTerm}") return;
                var staged = Path.Combine(OperationFolders().Single(), ComponentSwapper.NewFolder, victim.Path);
                stagedLength = new FileInfo(staged).Length;
            },
        };
        var e = Assert.Throws<BackupVerificationFailedException>(() => engine.Run(Request(backup.BackupId)));
        Assert.Contains(e.Problems, p => p.File == victim.Stored && p.Message.Contains("more than"));
        Assert.NotNull(stagedLength);
        Assert.True(stagedLength <= victim.Size, $"restore wrote {stagedLength} bytes of a file whose manifest says {victim.Size}");
        Assert.Equal(before, HashData(Data));

        var result = new BackupVerifier().Verify(new BackupRepository(Repo), backup.BackupId, VerificationMode.Full);
        Assert.False(result.Passed);
        Assert.Contains(result.Problems, p => p.File == victim.Stored && p.Message.Contains("more than"));
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        Assert.True(result.BytesChecked <= manifest.Files.Sum(f => f.Size), $"verification read {result.BytesChecked} bytes; the bomb expands to {expanded}");
    }
}
