using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Repository;

public class ManifestTests
{
    [Theory]
    [InlineData("memory/short_term/../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("memory\\short_term\\_0.cfs")]
    [InlineData("C:/Windows/x")]
    [InlineData("memory/short_term/./_0.cfs")]
    [InlineData("memory/long_term/_0.cfs")]
    [InlineData("memory/short_term/sub/_0.cfs")]
    public void Paths_outside_their_component_are_rejected(string path)
    {
        using var dir = new TempDirectory("manifest");
        var m = new Manifest
        {
            BackupId = "20261128-000000-000",
            Files = [new Manifest.FileEntry
            {
                Path = path, Component = JameyComponent.ShortTerm, Size = 1, Sha256 = new string('0', 64), StoredSha256 = new string('0', 64),
                Stored = Manifest.StoredPathFor(path, CompressionAlgorithm.None),
            }],
        };
        var file = dir.Combine("manifest.json");
        File.WriteAllBytes(file, m.ToJson());
        var e = Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));
        Assert.Equal("InvalidManifest", e.ErrorId);
    }

    [Theory]
    [InlineData("4755")]   // set-uid: a restore must never be asked to make one
    [InlineData("1777")]   // sticky
    [InlineData("0800")]
    [InlineData("640")]
    [InlineData("rw-r--r--")]
    public void Modes_other_than_permission_bits_are_rejected(string mode)
    {
        using var dir = new TempDirectory("manifest");
        const string path = "memory/short_term/_0.cfs";
        var m = new Manifest
        {
            BackupId = "20261128-000000-000",
            Files = [new Manifest.FileEntry
            {
                Path = path, Component = JameyComponent.ShortTerm, Size = 1, Sha256 = new string('0', 64), StoredSha256 = new string('0', 64),
                Stored = Manifest.StoredPathFor(path, CompressionAlgorithm.None), Mode = mode,
            }],
        };
        var file = dir.Combine("manifest.json");
        File.WriteAllBytes(file, m.ToJson());
        var e = Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));
        Assert.Contains($"mode '{mode}'", e.Message);
    }

    [Fact]
    public void A_stored_path_that_does_not_follow_the_file_path_is_rejected()
    {
        using var dir = new TempDirectory("manifest");
        var m = new Manifest
        {
            BackupId = "20261128-000000-000",
            Files = [new Manifest.FileEntry
            {
                Path = "jamey.db", Component = JameyComponent.Database, Size = 1, Sha256 = new string('0', 64), StoredSha256 = new string('0', 64),
                Stored = "../../outside.db",
            }],
        };
        var file = dir.Combine("manifest.json");
        File.WriteAllBytes(file, m.ToJson());
        Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));
    }
}
