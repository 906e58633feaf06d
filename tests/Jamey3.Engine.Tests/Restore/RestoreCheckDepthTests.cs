using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Verification;
using Microsoft.Data.Sqlite;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>
/// Backups whose every hash matches, yet whose content was already damaged when it was captured: what the checks after
/// the hashes catch (a restore's Lucene footers, index document counts and database header; a full test's quick_check;
/// -Deep's integrity_check), and that a refusal changes nothing.
/// </summary>
public sealed class RestoreCheckDepthTests : RestoreTestBase
{
    string BackupDir(string id) => Path.Combine(Repo, "backups", id);
    string ManifestPath(string id) => Path.Combine(BackupDir(id), Manifest.FileName);
    JameyBackupTestResult Verify(string id, VerificationMode mode) => new BackupVerifier().Verify(new BackupRepository(Repo), id, mode);

    [Fact]
    public void ALuceneFileDamagedBeforeTheBackupReadIt_HashesMatch_ButItsFooterChecksumFails_RestoreRefusesIt()
    {
        Create(Data, 60);
        // Bit rot in the live index: a byte in the middle of its largest file, the footer left as Lucene wrote it.
        var folder = DataLayout.FullPath(Data, JameyComponent.LongTerm);
        var victim = Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith("segments", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal))
            .OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.WriteAllBytes(victim, bytes);
        var backup = Backup();
        var before = HashData(Data);
        var stored = new BackupRepository(Repo).LoadManifest(backup.BackupId).Files
            .Single(f => f.Component == JameyComponent.LongTerm && f.Path.EndsWith("/" + Path.GetFileName(victim), StringComparison.Ordinal)).Stored;

        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Contains(e.Problems, p => p.File == stored && p.Component == JameyComponent.LongTerm && p.Message.Contains("checksum failed"));
        Assert.Equal(before, HashData(Data));
        Assert.Empty(OperationFolders());

        Assert.True(Verify(backup.BackupId, VerificationMode.Quick).Passed); // the stored bytes are exactly what was read
        var full = Verify(backup.BackupId, VerificationMode.Full);
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, p => p.File == stored && p.Message.Contains("checksum failed"));
    }

    [Fact]
    public void AnIndexWhoseDocumentCountDiffersFromTheManifest_IsRefusedByTheReaderOpenBeforeTheSwap()
    {
        Create(Data, 61);
        var backup = Backup();
        Mutate(Data, 62);
        var before = HashData(Data);
        var json = JsonNode.Parse(File.ReadAllText(ManifestPath(backup.BackupId)))!;
        var semantic = json["components"]!.AsArray().Single(c => c!["component"]!.GetValue<string>() == nameof(JameyComponent.Semantic))!;
        long documents = semantic["index"]!["documentCount"]!.GetValue<long>();
        semantic["index"]!["documentCount"] = documents + 1;
        File.WriteAllText(ManifestPath(backup.BackupId), json.ToJsonString());

        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Contains(e.Problems, p => p.Component == JameyComponent.Semantic && p.Message == $"index has {documents} documents, the manifest says {documents + 1}");
        Assert.Equal(before, HashData(Data));
        Assert.False(Verify(backup.BackupId, VerificationMode.Full).Passed);
    }

    [Fact]
    public void ADatabaseWhoseHeaderDisagreesWithItsLength_IsRefusedBeforeTheSwap()
    {
        Create(Data, 63);
        var backup = Backup(compression: CompressionAlgorithm.None);
        Mutate(Data, 64);
        var before = HashData(Data);
        // The header's page count (bytes 28-31) one more than the file holds, still marked valid (92-95 = 24-27).
        RewriteDatabase(backup.BackupId, db =>
        {
            uint pages = BinaryPrimitives.ReadUInt32BigEndian(db.AsSpan(28));
            BinaryPrimitives.WriteUInt32BigEndian(db.AsSpan(28), pages + 1);
            db.AsSpan(24, 4).CopyTo(db.AsSpan(92));
        });

        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Contains(e.Problems, p => p.Component == JameyComponent.Database && p.File == $"{Manifest.FilesFolder}/{DataLayout.DatabaseFile}"
                                         && p.Message.Contains("pages, the file holds"));
        Assert.Equal(before, HashData(Data));
        Assert.Empty(OperationFolders());
    }

    [Fact]
    public void ADatabasePageDamagedBeforeCapture_FailsTheFullTestsQuickCheck_AndEveryRestoreRefusesIt()
    {
        Create(Data, 65);
        var backup = Backup(compression: CompressionAlgorithm.None);
        Mutate(Data, 66);
        var before = HashData(Data);
        // An impossible b-tree page type on the root page of memory_records: the file's length and header stay right.
        long root, pageSize;
        var probe = Path.Combine(Root, "probe");
        new RestoreEngine().Run(new RestoreRequest(Repo, backup.BackupId, probe) { Components = [JameyComponentSelector.Database] });
        using (var c = new SqliteConnection($"Data Source={Path.Combine(probe, DataLayout.DatabaseFile)};Mode=ReadOnly;Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = 'memory_records'";
            root = Convert.ToInt64(cmd.ExecuteScalar());
            cmd.CommandText = "PRAGMA page_size";
            pageSize = Convert.ToInt64(cmd.ExecuteScalar());
        }
        Assert.True(root > 1);
        RewriteDatabase(backup.BackupId, db => db[(root - 1) * pageSize] = 0x07);

        Assert.True(Verify(backup.BackupId, VerificationMode.Quick).Passed);
        var full = Verify(backup.BackupId, VerificationMode.Full);
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, p => p.Component == JameyComponent.Database && p.Message.StartsWith("quick_check: ", StringComparison.Ordinal));
        var deep = Verify(backup.BackupId, VerificationMode.Deep);
        Assert.Equal(VerificationMode.Deep, deep.Mode);
        Assert.Contains(deep.Problems, p => p.Component == JameyComponent.Database && p.Message.StartsWith("integrity_check: ", StringComparison.Ordinal));

        var plain = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
        Assert.Contains(plain.Problems, p => p.Component == JameyComponent.Database && p.Message.StartsWith("quick_check: ", StringComparison.Ordinal));
        Assert.Equal(before, HashData(Data));
        var e = Assert.Throws<BackupVerificationFailedException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { Deep = true }));
        Assert.Contains(e.Problems, p => p.Component == JameyComponent.Database && p.Message.StartsWith("integrity_check: ", StringComparison.Ordinal));
        Assert.Equal(before, HashData(Data));
        Assert.Empty(OperationFolders());
    }

    [Fact]
    public void AHealthyBackup_PassesEveryDepth_AndDeepCountsWhatTheDefaultCounts()
    {
        Create(Data, 67);
        Mutate(Data, 68);
        var backup = Backup();
        var full = Verify(backup.BackupId, VerificationMode.Full);
        var deep = Verify(backup.BackupId, VerificationMode.Deep);
        Assert.True(full.Passed, string.Join("; ", full.Problems.Select(p => p.ToString())));
        Assert.True(deep.Passed, string.Join("; ", deep.Problems.Select(p => p.ToString())));
        Assert.Equal(full.Components.Select(c => (c.Component, c.CountedItems)), deep.Components.Select(c => (c.Component, c.CountedItems)));
        Assert.All(full.Components, c => Assert.NotNull(c.CountedItems));

        var target = Path.Combine(Root, "deep");
        var restored = new RestoreEngine().Run(new RestoreRequest(Repo, backup.BackupId, target) { Deep = true });
        Assert.True(restored.Verified);
        Assert.Equal(DumpRows(Data), DumpRows(target));
    }

    /// <summary>
    /// Changes the database content of an uncompressed backup and makes its manifest agree (chunk and file hashes), as
    /// if the change had been in the data when the backup read it.
    /// </summary>
    void RewriteDatabase(string backupId, Action<byte[]> change)
    {
        var dir = BackupDir(backupId);
        var json = JsonNode.Parse(File.ReadAllText(ManifestPath(backupId)))!;
        var entry = json["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == DataLayout.DatabaseFile)!;
        var chunks = entry["chunks"]!.AsArray();
        var content = chunks.SelectMany(c => File.ReadAllBytes(Path.Combine(dir, c!["stored"]!.GetValue<string>()))).ToArray();
        Assert.All(chunks, c => Assert.Equal("None", c!["compression"]!.GetValue<string>()));
        change(content);
        foreach (var c in chunks)
        {
            var piece = content.AsSpan((int)c!["offset"]!.GetValue<long>(), (int)c["size"]!.GetValue<long>()).ToArray();
            var path = Path.Combine(dir, c["stored"]!.GetValue<string>());
            File.WriteAllBytes(path, piece);
            var sha = Convert.ToHexStringLower(SHA256.HashData(piece));
            c["sha256"] = sha;
            c["storedSha256"] = sha; // stored raw
        }
        entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllText(ManifestPath(backupId), json.ToJsonString());
    }
}
