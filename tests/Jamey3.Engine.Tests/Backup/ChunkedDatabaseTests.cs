using System.Text.Json.Nodes;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;
using Jamey3.SampleData;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>The database stored in fixed-size chunks, unchanged chunks shared by hard link (format 2).</summary>
public class ChunkedDatabaseTests
{
    const int SmallChunks = 64 * 1024;

    static JameyBackup Run(string data, string repo, bool share = true) =>
        new BackupEngine().Run(new BackupRequest(data, repo) { DatabaseChunkSize = SmallChunks, ShareUnchangedFiles = share });

    static void Write(string data, int ticks)
    {
        using (var jamey = new JameyWriterSimulator(data, seed: 21, new WriterSimulatorOptions { CommitIntervalMs = 0, ForceMergeEveryCommits = 0 }))
            for (int i = 0; i < ticks; i++) jamey.Tick();
        SqliteConnection.ClearAllPools();
    }

    static int LinkCount(string path)
    {
        var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    static Manifest.FileEntry Db(Manifest m) => m.Files.Single(f => f.Component == JameyComponent.Database);

    static void AssertPasses(BackupRepository repo, string id, VerificationMode mode)
    {
        var result = new BackupVerifier().Verify(repo, id, mode);
        Assert.True(result.Passed, $"{id} {mode}: " + string.Join("\n", result.Problems.Select(p => p.ToString())));
    }

    [Fact]
    public void A_second_backup_after_a_few_inserts_shares_most_chunks_and_restores_byte_identical()
    {
        using var dir = new TempDirectory("chunks");
        var data = TestData.CreateIn(dir, 3_000_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var first = Run(data, repo.Root);
        Write(data, 2);
        var second = Run(data, repo.Root);

        var m1 = repo.LoadManifest(first.BackupId);
        var m2 = repo.LoadManifest(second.BackupId);
        Assert.Equal(2, m2.Format);
        var (db1, db2) = (Db(m1), Db(m2));
        Assert.Equal("files/jamey.db.chunks", db2.Stored);
        Assert.True(db2.Chunks!.Count >= 10, $"only {db2.Chunks.Count} chunks");
        Assert.All(db1.Chunks!, c => Assert.Null(c.SharedFrom));
        int shared = db2.Chunks.Count(c => c.SharedFrom is not null);
        int changed = db2.Chunks.Count - shared;
        // Ten rows touch the header page, the last leaves of the table and its indices, a leaf per layer of the
        // (layer, timestamp) index and the updated rows' pages: 9 of 26 chunks when measured; the rest are shared.
        Assert.True(changed >= 1 && shared >= db2.Chunks.Count / 2, $"{changed} of {db2.Chunks.Count} chunks changed, {shared} shared");
        Assert.Equal(shared, m2.Totals.SharedChunks);
        foreach (var c in db2.Chunks.Where(c => c.SharedFrom is not null))
        {
            Assert.Equal(first.BackupId, c.SharedFrom);
            var old = db1.Chunks.Single(o => o.Offset == c.Offset);
            Assert.Equal((old.Sha256, old.Stored, old.StoredSha256), (c.Sha256, c.Stored, c.StoredSha256));
            if (OperatingSystem.IsLinux()) Assert.True(LinkCount(Path.Combine(second.Path, c.Stored)) >= 2, $"{c.Stored} is not a hard link");
        }
        Assert.Equal(db2.Chunks.Sum(c => c.Size), db2.Size);
        Assert.Equal(db2.Chunks.Sum(c => c.StoredSize), db2.StoredSize);

        // Round trip: the restored database is the snapshot, byte for byte.
        var snapshot = dir.Combine("snapshot.db");
        var parts = db2.StoredParts().Select(p => (Path.Combine(second.Path, p.Stored), p.Compression)).ToList();
        var (length, sha) = ContentStore.Extract(parts, snapshot, null, default);
        Assert.Equal((db2.Size, db2.Sha256), (length, sha));
        var dest = dir.Combine("restored");
        var restored = new RestoreEngine().Run(new RestoreRequest(repo.Root, second.BackupId, data) { Destination = dest });
        Assert.True(restored.Verified);
        SqliteConnection.ClearAllPools();
        Assert.Equal(File.ReadAllBytes(snapshot), File.ReadAllBytes(Path.Combine(dest, DataLayout.DatabaseFile)));

        // -Full shares nothing.
        var full = Run(data, repo.Root, share: false);
        Assert.All(Db(repo.LoadManifest(full.BackupId)).Chunks!, c => Assert.Null(c.SharedFrom));
        foreach (var id in new[] { first.BackupId, second.BackupId, full.BackupId }) AssertPasses(repo, id, VerificationMode.Full);
    }

    [Fact]
    public void A_flipped_byte_in_a_shared_chunk_fails_every_backup_sharing_it_and_names_the_chunk()
    {
        using var dir = new TempDirectory("chunkflip");
        var data = TestData.CreateIn(dir, 1_500_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var first = Run(data, repo.Root);
        Write(data, 1);
        var second = Run(data, repo.Root);
        var chunk = Db(repo.LoadManifest(second.BackupId)).Chunks!.First(c => c.SharedFrom == first.BackupId);
        var path = Path.Combine(second.Path, chunk.Stored);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        // Write in place (same inode), as damage on disk would: both backups see it.
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write)) fs.Write(bytes);

        foreach (var id in new[] { first.BackupId, second.BackupId })
            foreach (var mode in new[] { VerificationMode.Quick, VerificationMode.Full })
            {
                var result = new BackupVerifier().Verify(repo, id, mode);
                Assert.False(result.Passed, $"{mode} of {id} missed the flipped byte in {chunk.Stored}");
                Assert.Contains(result.Problems, p => p.File == chunk.Stored && p.Component == JameyComponent.Database);
                Assert.False(result.Components.Single(c => c.Component == JameyComponent.Database).Passed);
            }
    }

    [Fact]
    public void Deleting_the_first_backup_leaves_the_second_whole_and_a_missing_chunk_lists_as_damaged()
    {
        using var dir = new TempDirectory("chunkdelete");
        var data = TestData.CreateIn(dir, 1_500_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var first = Run(data, repo.Root);
        Write(data, 1);
        var second = Run(data, repo.Root);
        Assert.True(repo.LoadManifest(second.BackupId).Totals.SharedChunks > 0);

        Directory.Delete(first.Path, recursive: true);
        AssertPasses(repo, second.BackupId, VerificationMode.Quick);
        AssertPasses(repo, second.BackupId, VerificationMode.Full);
        Assert.Equal(BackupStatus.Complete, repo.Get(second.BackupId).Status);

        var victim = Db(repo.LoadManifest(second.BackupId)).Chunks![1].Stored;
        File.Delete(Path.Combine(second.Path, victim));
        var listed = repo.Get(second.BackupId);
        Assert.Equal(BackupStatus.Damaged, listed.Status);
        Assert.Contains(victim, listed.Problem);
        var result = new BackupVerifier().Verify(repo, second.BackupId, VerificationMode.Quick);
        Assert.Contains(result.Problems, p => p.File == victim && p.Message.Contains("missing"));
    }

    [Fact]
    public void A_format_1_backup_still_reads_verifies_and_restores()
    {
        using var dir = new TempDirectory("format1");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var backup = new BackupEngine().Run(new BackupRequest(data, repo.Root));

        // Rewrite it as format 1 wrote it: the database as one zstd file, files/jamey.db.zst.
        var manifestPath = Path.Combine(backup.Path, Manifest.FileName);
        var m = Manifest.Load(manifestPath);
        var db = Db(m);
        var content = Path.Combine(dir.Path, "content.db");
        ContentStore.Extract(db.StoredParts().Select(p => (Path.Combine(backup.Path, p.Stored), p.Compression)).ToList(), content, null, default);
        Directory.Delete(Path.Combine(backup.Path, db.Stored), recursive: true);
        StoredFile stored;
        using (var s = File.OpenRead(content))
            stored = ContentStore.Write(s, Path.Combine(backup.Path, "files/jamey.db.zst"), CompressionAlgorithm.Zstd, null, default);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        json["format"] = 1;
        var dbJson = json["files"]!.AsArray().Single(f => (string)f!["path"]! == "jamey.db")!.AsObject();
        dbJson.Remove("chunks");
        dbJson["stored"] = "files/jamey.db.zst";
        dbJson["compression"] = "Zstd";
        dbJson["storedSize"] = stored.StoredSize;
        dbJson["storedSha256"] = stored.StoredSha256;
        json["components"]!.AsArray().Single(c => (string)c!["component"]! == "Database")!["storedSize"] = stored.StoredSize;
        json["totals"]!.AsObject().Remove("sharedChunks");
        File.WriteAllText(manifestPath, json.ToJsonString());

        var read = repo.Get(backup.BackupId);
        Assert.Equal(BackupStatus.Complete, read.Status);
        Assert.Equal(1, read.FormatVersion);
        Assert.Null(Db(repo.LoadManifest(backup.BackupId)).Chunks);
        AssertPasses(repo, backup.BackupId, VerificationMode.Quick);
        AssertPasses(repo, backup.BackupId, VerificationMode.Full);
        var dest = dir.Combine("restored");
        Assert.True(new RestoreEngine().Run(new RestoreRequest(repo.Root, backup.BackupId, data) { Destination = dest }).Verified);

        // A later backup reads it as the previous one: nothing to share in the database, and it still works.
        var next = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        Assert.All(Db(repo.LoadManifest(next.BackupId)).Chunks!, c => Assert.Null(c.SharedFrom));
        AssertPasses(repo, next.BackupId, VerificationMode.Quick);
    }

    [Theory]
    [InlineData("files/jamey.db.chunks/../../../outside.zst")]
    [InlineData("/etc/passwd")]
    [InlineData("files/jamey.db.chunks/000001.zst")] // not its index
    [InlineData("files/other.chunks/000000.zst")]
    [InlineData("files/jamey.db.chunks/000000")]      // not its compression
    [InlineData("files\\jamey.db.chunks\\000000.zst")]
    public void A_chunk_path_that_does_not_follow_the_file_path_and_index_is_rejected(string stored)
    {
        using var dir = new TempDirectory("chunkpath");
        var sha = new string('0', 64);
        var m = new Manifest
        {
            BackupId = "20261128-000000-000",
            Files = [new Manifest.FileEntry
            {
                Path = "jamey.db", Component = JameyComponent.Database, Size = 10, Sha256 = sha, Stored = "files/jamey.db.chunks",
                Compression = CompressionAlgorithm.Zstd, StoredSize = 5,
                Chunks = [new Manifest.ChunkEntry { Offset = 0, Size = 10, Sha256 = sha, Stored = stored, Compression = CompressionAlgorithm.Zstd, StoredSize = 5, StoredSha256 = sha }],
            }],
        };
        var file = dir.Combine("manifest.json");
        File.WriteAllBytes(file, m.ToJson());
        Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));

        // The same entry with the right path loads; chunks in a format-1 manifest do not.
        m.Files[0].Chunks![0].Stored = "files/jamey.db.chunks/000000.zst";
        File.WriteAllBytes(file, m.ToJson());
        Manifest.Load(file);
        m.Format = 1;
        File.WriteAllBytes(file, m.ToJson());
        Assert.Throws<InvalidManifestException>(() => Manifest.Load(file));
    }
}
