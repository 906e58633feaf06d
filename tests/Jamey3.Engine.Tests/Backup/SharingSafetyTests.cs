using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;
using Jamey3.SampleData;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>What a backup may share with the one before it: only intact stored bytes of unchanged content.</summary>
public class SharingSafetyTests
{
    const int SmallChunks = 64 * 1024;

    static JameyBackup Run(string data, string repo, IOperationObserver? observer = null) =>
        new BackupEngine(observer).Run(new BackupRequest(data, repo) { DatabaseChunkSize = SmallChunks });

    static Manifest.FileEntry Db(Manifest m) => m.Files.Single(f => f.Component == JameyComponent.Database);

    /// <summary>Damage as a disk makes it: bytes changed in place, same inode, same size, so every hard link sees it.</summary>
    static void DamageInPlace(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Write(bytes);
    }

    static JameyBackupTestResult Verify(BackupRepository repo, string id, VerificationMode mode = VerificationMode.Full) =>
        new BackupVerifier().Verify(repo, id, mode);

    [Fact]
    public void Damage_in_a_shared_chunk_and_a_shared_Lucene_file_is_never_linked_again_and_the_next_backup_heals()
    {
        using var dir = new TempDirectory("heal");
        var data = TestData.CreateIn(dir, 1_500_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var first = Run(data, repo.Root);
        using (var jamey = new JameyWriterSimulator(data, seed: 21, new WriterSimulatorOptions { CommitIntervalMs = 0, ForceMergeEveryCommits = 0 }))
            jamey.Tick();
        SqliteConnection.ClearAllPools();
        var second = Run(data, repo.Root);
        var m2 = repo.LoadManifest(second.BackupId);
        var chunk = Db(m2).Chunks!.First(c => c.SharedFrom == first.BackupId);
        var lucene = m2.Files.First(f => f.Component == JameyComponent.LongTerm && f.SharedFrom == first.BackupId);
        DamageInPlace(Path.Combine(second.Path, chunk.Stored));
        DamageInPlace(Path.Combine(second.Path, lucene.Stored));

        var warnings = new List<string>();
        var third = Run(data, repo.Root, new WarningsOnly(warnings));

        // The new backup stored both afresh (nothing damaged linked in) and passes the full check.
        var m3 = repo.LoadManifest(third.BackupId);
        var chunk3 = Db(m3).Chunks!.Single(c => c.Offset == chunk.Offset);
        var lucene3 = m3.Files.Single(f => f.Path == lucene.Path);
        Assert.Null(chunk3.SharedFrom);
        Assert.Null(lucene3.SharedFrom);
        Assert.True(m3.Totals.SharedChunks > 0 && m3.Totals.SharedFiles > 0, "the intact files are still shared");
        var healed = Verify(repo, third.BackupId);
        Assert.True(healed.Passed, string.Join("\n", healed.Problems.Select(p => p.ToString())));
        var warning = Assert.Single(warnings, w => w.Contains("damaged", StringComparison.Ordinal));
        Assert.Contains(chunk.Stored, warning);
        Assert.Contains(lucene.Stored, warning);
        Assert.Contains(second.BackupId, warning);

        // The older backups that share the damage still fail, and name both stored files.
        foreach (var id in new[] { first.BackupId, second.BackupId })
        {
            var result = Verify(repo, id, VerificationMode.Quick);
            Assert.False(result.Passed);
            Assert.Contains(result.Problems, p => p.File == chunk.Stored && p.Component == JameyComponent.Database);
            Assert.Contains(result.Problems, p => p.File == lucene.Stored && p.Component == JameyComponent.LongTerm);
            Assert.False(Verify(repo, id).Passed);
        }

        // And the backup after the healed one shares from it again.
        var fourth = Run(data, repo.Root);
        var m4 = repo.LoadManifest(fourth.BackupId);
        Assert.Equal(third.BackupId, Db(m4).Chunks!.Single(c => c.Offset == chunk.Offset).SharedFrom);
        Assert.Equal(third.BackupId, m4.Files.Single(f => f.Path == lucene.Path).SharedFrom);
    }

    /// <summary>A Lucene file of the source that a later backup may share: it has a footer and is not a commit file.</summary>
    static string ShareableFile(string data, JameyComponent layer)
    {
        var folder = DataLayout.FullPath(data, layer);
        return Directory.EnumerateFiles(folder)
            .Where(f => !Path.GetFileName(f).StartsWith("segments", StringComparison.Ordinal) && Path.GetFileName(f) != "write.lock")
            .Where(f => { using var s = File.OpenRead(f); return LuceneCommitSnapshot.ReadFooterChecksum(s) is not null; })
            .OrderByDescending(f => new FileInfo(f).Length).First();
    }

    static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>
    /// An index rebuilt under the same names: the file keeps its name, size and (forced) last-write time, and only its
    /// content and footer CRC32 differ, as in a rebuild that happens to produce a file of the same length.
    /// </summary>
    [Fact]
    public void A_rebuilt_file_with_the_same_name_size_and_time_but_other_content_is_not_shared()
    {
        using var dir = new TempDirectory("rebuilt-crc");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var file = ShareableFile(data, JameyComponent.ShortTerm);
        var relative = Path.GetRelativePath(data, file).Replace('\\', '/');
        var first = Run(data, repo.Root);
        var untouched = ShareableFile(data, JameyComponent.Semantic);

        var time = File.GetLastWriteTimeUtc(file);
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 3] ^= 0x01;
        LuceneFooter.Rewrite(bytes); // a well-formed Lucene file: its footer CRC32 matches its new content
        File.WriteAllBytes(file, bytes);
        File.SetLastWriteTimeUtc(file, time);
        Assert.Equal(time, File.GetLastWriteTimeUtc(file));

        var second = Run(data, repo.Root);
        var entry = repo.LoadManifest(second.BackupId).Files.Single(f => f.Path == relative);
        Assert.Null(entry.SharedFrom);
        Assert.Equal(Sha256(file), entry.Sha256);
        Assert.NotEqual(repo.LoadManifest(first.BackupId).Files.Single(f => f.Path == relative).LuceneChecksum, entry.LuceneChecksum);
        // The file nobody touched is still shared: the test would pass vacuously if nothing were.
        Assert.Equal(first.BackupId, repo.LoadManifest(second.BackupId).Files.Single(f => f.Path == Path.GetRelativePath(data, untouched).Replace('\\', '/')).SharedFrom);
        Assert.True(Verify(repo, second.BackupId, VerificationMode.Quick).Passed);
    }

    /// <summary>
    /// The case the footer CRC32 cannot tell apart (a collision, or a footer copied over other content): same name,
    /// size and footer, different bytes. The file is new, so its last-write time differs, and that alone stops sharing.
    /// </summary>
    [Fact]
    public void A_rebuilt_file_with_the_same_name_size_and_footer_but_a_new_time_is_not_shared()
    {
        using var dir = new TempDirectory("rebuilt-time");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var file = ShareableFile(data, JameyComponent.Working);
        var relative = Path.GetRelativePath(data, file).Replace('\\', '/');
        var first = Run(data, repo.Root);
        var before = repo.LoadManifest(first.BackupId).Files.Single(f => f.Path == relative);
        Assert.NotNull(before.ModifiedAt);

        var time = File.GetLastWriteTimeUtc(file);
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 3] ^= 0x01; // the footer is left as it was
        File.WriteAllBytes(file, bytes);
        File.SetLastWriteTimeUtc(file, time.AddSeconds(1));

        var second = Run(data, repo.Root);
        var entry = repo.LoadManifest(second.BackupId).Files.Single(f => f.Path == relative);
        Assert.Equal(before.LuceneChecksum, entry.LuceneChecksum);
        Assert.Equal(before.Size, entry.Size);
        Assert.Null(entry.SharedFrom);
        Assert.Equal(Sha256(file), entry.Sha256);
        Assert.NotEqual(before.Sha256, entry.Sha256);
    }

    sealed class WarningsOnly(List<string> warnings) : IOperationObserver
    {
        public void Progress(JameyProgress p) { }
        public void Warning(string message) { lock (warnings) warnings.Add(message); }
        public void Verbose(string message) { }
    }
}

/// <summary>Lucene 4.8's footer: magic, algorithm id 0, then the CRC32 (zlib) of every byte before the checksum.</summary>
static class LuceneFooter
{
    static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static void Rewrite(byte[] file)
    {
        uint crc = 0xFFFFFFFFu;
        for (int i = 0; i < file.Length - 8; i++) crc = Table[(crc ^ file[i]) & 0xFF] ^ (crc >> 8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(file.AsSpan(file.Length - 8), crc ^ 0xFFFFFFFFu);
    }
}
