using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Tests.Restore;
using Jamey3.Engine.Verification;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Verification;

/// <summary>
/// Each guard of BackupContent reached by an input that only it stops, so removing that guard alone fails a test here.
/// (Links: VerificationAgreesWithRestoreTests; size cap: its decompression bomb and the stream tests below.)
/// </summary>
public sealed class SafetyGuardTests : RestoreTestBase
{
    [Theory]
    [InlineData("memory/short_term/..")]
    [InlineData("memory/short_term/.")]
    public void AFileNamedDotOrDotDotInsideItsComponent_IsRejectedByTheSafePathCheck(string path)
    {
        // Under its component by prefix and depth, stored exactly where the rules say: only the '.'/'..' segment check stops it.
        var m = new Manifest
        {
            BackupId = "20261128-000000-000",
            Files = [new Manifest.FileEntry
            {
                Path = path, Component = JameyComponent.ShortTerm, Size = 1, Sha256 = new string('0', 64), StoredSha256 = new string('0', 64),
                Stored = Manifest.StoredPathFor(path, CompressionAlgorithm.None),
            }],
        };
        Directory.CreateDirectory(Root);
        var file = Path.Combine(Root, Manifest.FileName);
        File.WriteAllBytes(file, m.ToJson());
        var e = Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public void ABackupIdThatNamesAFolderAboveABackup_IsNotFound_ForRestoreAndVerification(string id)
    {
        // '..' maps to the repository root and '.' to backups/: both exist, so only the id check tells them from a backup.
        Create(Data, 44);
        Backup();
        var before = HashData(Data);
        var repo = new BackupRepository(Repo);

        Assert.Throws<BackupNotFoundException>(() => new RestoreEngine().Run(Request(id)));
        Assert.Throws<BackupNotFoundException>(() => new RestoreEngine().Plan(Request(id)));
        Assert.Throws<BackupNotFoundException>(() => new BackupVerifier().Verify(repo, id, VerificationMode.Quick));
        Assert.Throws<BackupNotFoundException>(() => BackupContent.Open(repo, id));
        Assert.Equal(before, HashData(Data));
        Assert.False(Directory.Exists(RestoreEngine.WorkRoot(Data)));
    }

    [Theory]
    [InlineData("../manifest.json")]
    [InlineData("files/../../other/manifest.json")]
    public void AStoredPathThatResolvesOutsideTheBackup_IsRefusedByTheContainmentCheck(string stored)
    {
        // Manifest.Load never lets such a path through; this is the check behind it, for whatever else calls StoredPath.
        Create(Data, 45);
        var first = Backup();
        var backup = BackupContent.Open(new BackupRepository(Repo), first.BackupId);
        var e = Assert.Throws<UnsafeBackupPathException>(() => backup.StoredPath(stored));
        Assert.Contains("outside the backup folder", e.Message);
    }

    [Fact]
    public void BoundedReadStream_PassesContentUpToItsLimit()
    {
        var content = new byte[5000];
        Random.Shared.NextBytes(content);
        using var bounded = new BoundedReadStream(new MemoryStream(content), content.Length);
        var copy = new MemoryStream();
        bounded.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public void BoundedReadStream_FailsOnTheFirstBytePastItsLimit_AndNeverAsksForMore()
    {
        var inner = new MemoryStream(new byte[10 << 20]);
        using var bounded = new BoundedReadStream(inner, 1000);
        var e = Assert.Throws<ContentTooLongException>(() => bounded.CopyTo(Stream.Null, 1 << 16));
        Assert.Equal(1000, e.Limit);
        Assert.Equal(1000, bounded.BytesRead);
        Assert.True(inner.Position <= 1001, $"the inner stream was read to {inner.Position}");
    }
}
