using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;
using Jamey3.SampleData;
using Lucene.Net.Index;
using Microsoft.Data.Sqlite;
using LuceneDirectory = Lucene.Net.Store.FSDirectory;

namespace Jamey3.Engine.Tests.Backup;

public class BackupEngineTests
{
    [Fact]
    public void A_backup_describes_exactly_what_it_holds()
    {
        using var dir = new TempDirectory("backup");
        var data = TestData.CreateIn(dir);
        var repo = dir.Combine("repo");

        var backup = new BackupEngine().Run(new BackupRequest(data, repo));

        Assert.Equal(BackupStatus.Complete, backup.Status);
        Assert.Equal(6, backup.Components.Length);
        Assert.True(Directory.Exists(backup.Path));
        Assert.Equal(Path.Combine(repo, "backups", backup.BackupId), backup.Path);
        var manifest = new BackupRepository(repo).LoadManifest(backup.BackupId);
        Assert.Equal(Manifest.CurrentFormat, manifest.Format);
        Assert.Equal(Path.GetFullPath(data), manifest.SourcePath);
        Assert.Equal(Environment.MachineName, manifest.Host);
        Assert.All(manifest.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256));
        Assert.Equal(manifest.Files.Sum(f => f.Size), backup.TotalSize);

        // Database summary matches the source (nothing writes to it here).
        var db = manifest.Components.Single(c => c.Component == JameyComponent.Database).Database!;
        using (var c = new SqliteConnection($"Data Source={Path.Combine(data, "jamey.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM memory_records";
            Assert.Equal((long)cmd.ExecuteScalar()!, db.RowCounts["memory_records"]);
        }
        Assert.Equal("wal", db.JournalMode);
        Assert.True(db.PageCount > 0);

        // Every index's document count matches a reader of the source.
        foreach (var component in DataLayout.MemoryLayers)
        {
            using var d = LuceneDirectory.Open(DataLayout.FullPath(data, component));
            using var reader = DirectoryReader.Open(d);
            Assert.Equal(reader.NumDocs, manifest.Components.Single(c => c.Component == component).Index!.DocumentCount);
        }

        var result = new BackupVerifier().Verify(new BackupRepository(repo), backup.BackupId, VerificationMode.Full);
        Assert.True(result.Passed, string.Join("\n", result.Problems.Select(p => p.ToString())));
        Assert.Equal(manifest.Files.Count, result.FilesChecked);
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Zstd)]
    [InlineData(CompressionAlgorithm.None)]
    public void Text_compresses_and_the_algorithm_is_recorded_per_file(CompressionAlgorithm compression)
    {
        using var dir = new TempDirectory("compress");
        var data = TestData.CreateIn(dir, 2_000_000);
        var backup = new BackupEngine().Run(new BackupRequest(data, dir.Combine("repo")) { Compression = compression });
        var manifest = new BackupRepository(dir.Combine("repo")).LoadManifest(backup.BackupId);
        if (compression == CompressionAlgorithm.None)
        {
            Assert.All(manifest.Files, f => Assert.Equal(CompressionAlgorithm.None, f.Compression));
            Assert.Equal(backup.TotalSize, backup.StoredSize);
        }
        else
        {
            Assert.Contains(manifest.Files, f => f.Compression == CompressionAlgorithm.Zstd && f.Stored.EndsWith(".zst"));
            Assert.True(backup.StoredSize < backup.TotalSize * 0.8, $"stored {backup.StoredSize} of {backup.TotalSize}");
        }
        Assert.True(new BackupVerifier().Verify(new BackupRepository(dir.Combine("repo")), backup.BackupId, VerificationMode.Full).Passed);
    }

    [Fact]
    public void Backups_taken_while_Jamey_writes_and_merges_are_consistent()
    {
        using var dir = new TempDirectory("live");
        var data = TestData.CreateIn(dir, 600_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        using var cts = new CancellationTokenSource();
        using var writer = new JameyWriterSimulator(data, seed: 11, new WriterSimulatorOptions { CommitIntervalMs = 5, ForceMergeEveryCommits = 10 });
        // A thread of its own: on a pool thread the loop could wait seconds to start while parallel tests busy the pool.
        var writing = Task.Factory.StartNew(() => writer.Run(cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            SpinWait.SpinUntil(() => writer.Commits > 5, TimeSpan.FromSeconds(20));
            var ids = new List<string>();
            for (int i = 0; i < 8; i++)
                ids.Add(new BackupEngine().Run(new BackupRequest(data, repo.Root) { ShareUnchangedFiles = i % 2 == 0 }).BackupId);
            Assert.True(writer.Commits > 10, "the writer must have committed during the backups");
            foreach (var id in ids)
            {
                var result = new BackupVerifier().Verify(repo, id, VerificationMode.Full);
                Assert.True(result.Passed, $"{id}: " + string.Join("\n", result.Problems.Select(p => p.ToString())));
                var manifest = repo.LoadManifest(id);
                foreach (var c in result.Components.Where(c => c.Component != JameyComponent.Database))
                    Assert.Equal(manifest.Components.Single(m => m.Component == c.Component).Index!.DocumentCount, c.CountedItems);
            }
        }
        finally
        {
            cts.Cancel();
            writing.Wait(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Flipping_one_byte_in_any_file_fails_verification_and_names_the_file()
    {
        using var dir = new TempDirectory("flip");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var backup = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        var manifest = repo.LoadManifest(backup.BackupId);
        Assert.True(manifest.Files.Count > 10);
        // Quick mode for every file; full mode (restore, then open) for one file of each kind in each component,
        // since it costs a restore and CheckIndex per run.
        var fullSample = manifest.Files.GroupBy(f => (f.Component, Path.GetExtension(f.Path), f.Path.Contains("segments_")))
            .Select(g => g.First().Path).ToHashSet();
        foreach (var (f, stored) in manifest.Files.SelectMany(f => f.StoredParts().Select(p => (f, p.Stored))))
        {
            var path = Path.Combine(backup.Path, stored);
            var original = File.ReadAllBytes(path);
            var damaged = (byte[])original.Clone();
            damaged[damaged.Length / 2] ^= 0x5A;
            File.WriteAllBytes(path, damaged);
            try
            {
                foreach (var mode in fullSample.Contains(f.Path) ? [VerificationMode.Quick, VerificationMode.Full] : new[] { VerificationMode.Quick })
                {
                    var result = new BackupVerifier().Verify(repo, backup.BackupId, mode);
                    Assert.False(result.Passed, $"{mode} missed a flipped byte in {stored}");
                    Assert.Contains(result.Problems, p => p.File == stored);
                    Assert.False(result.Components.Single(c => c.Component == f.Component).Passed);
                }
            }
            finally
            {
                File.WriteAllBytes(path, original);
            }
        }
        Assert.True(new BackupVerifier().Verify(repo, backup.BackupId, VerificationMode.Full).Passed);
    }

    [Fact]
    public void A_damaged_manifest_fails_verification_and_lists_as_damaged()
    {
        using var dir = new TempDirectory("manifest");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var good = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        var bad = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        File.WriteAllText(Path.Combine(bad.Path, Manifest.FileName), "{ not json");

        var result = new BackupVerifier().Verify(repo, bad.BackupId, VerificationMode.Quick);
        Assert.False(result.Passed);
        Assert.Equal(Manifest.FileName, Assert.Single(result.Problems).File);
        var listed = repo.List().ToList();
        Assert.Equal([bad.BackupId, good.BackupId], listed.Select(b => b.BackupId));
        Assert.Equal([BackupStatus.Damaged, BackupStatus.Complete], listed.Select(b => b.Status));
    }

    [Fact]
    public void A_cancelled_backup_publishes_nothing_and_the_next_one_succeeds()
    {
        using var dir = new TempDirectory("cancel");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { OnProgress = p => { if (p.Status.StartsWith("LongTerm", StringComparison.Ordinal)) cts.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => new BackupEngine(observer).Run(new BackupRequest(data, repo.Root), cts.Token));

        Assert.Empty(repo.List());
        Assert.False(Directory.Exists(repo.BackupsDirectory) && Directory.EnumerateFileSystemEntries(repo.BackupsDirectory).Any());
        var history = new RunHistory(repo.StateDirectory).Read();
        Assert.Equal(RunOutcome.Cancelled, history.Latest[RunOperation.Backup].LastRun!.Outcome);

        var next = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        Assert.Equal(BackupStatus.Complete, Assert.Single(repo.List()).Status);
        Assert.Equal(next.BackupId, new RunHistory(repo.StateDirectory).Read().Latest[RunOperation.Backup].LastSuccess!.BackupId);
    }

    [Fact]
    public void A_second_writer_is_told_the_repository_is_busy_and_a_dead_holder_is_recovered()
    {
        using var dir = new TempDirectory("lock");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        using (repo.AcquireWriter("test holder", TimeSpan.Zero, default))
        {
            var e = Assert.Throws<RepositoryBusyException>(() =>
                new BackupEngine().Run(new BackupRequest(data, repo.Root) { LockTimeout = TimeSpan.FromMilliseconds(300) }));
            Assert.Equal("RepositoryBusy", e.ErrorId);
            Assert.Contains("test holder", e.Message);
        }
        // A holder file left behind by a process that died: the lock itself is free, so it is taken over.
        File.WriteAllText(Path.Combine(repo.LocksDirectory, "writer.json"),
            """{"ProcessId":999999,"Host":"gone","Operation":"New-JameyBackup","Since":"2026-01-01T00:00:00+00:00"}""");
        var observer = new RecordingObserver();
        var backup = new BackupEngine(observer).Run(new BackupRequest(data, repo.Root));
        Assert.Equal(BackupStatus.Complete, backup.Status);
        Assert.Contains(observer.Warnings, w => w.Contains("999999"));
    }

    [Fact]
    public void Unchanged_segment_files_are_shared_and_each_backup_stands_alone()
    {
        using var dir = new TempDirectory("share");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var first = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        var second = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        var manifest = repo.LoadManifest(second.BackupId);
        Assert.True(manifest.Totals.SharedFiles > 0);
        Assert.All(manifest.Files.Where(f => f.SharedFrom is not null), f => Assert.Equal(first.BackupId, f.SharedFrom));
        Assert.DoesNotContain(manifest.Files, f => f.SharedFrom is not null && (f.Path.Contains("segments") || f.Component == JameyComponent.Database));

        Directory.Delete(first.Path, recursive: true);
        var result = new BackupVerifier().Verify(repo, second.BackupId, VerificationMode.Full);
        Assert.True(result.Passed, string.Join("\n", result.Problems.Select(p => p.ToString())));
    }

    [Fact]
    public void A_missing_data_directory_or_component_is_a_clear_error()
    {
        using var dir = new TempDirectory("missing");
        var e = Assert.Throws<DataPathNotFoundException>(() => new BackupEngine().Run(new BackupRequest(dir.Combine("nope"), dir.Combine("repo"))));
        Assert.Equal("DataPathNotFound", e.ErrorId);
        Assert.Contains("nope", e.Message);

        var data = TestData.CreateIn(dir);
        Directory.Delete(Path.Combine(data, "memory", "working"), recursive: true);
        var e2 = Assert.Throws<DataPathNotFoundException>(() => new BackupEngine().Run(new BackupRequest(data, dir.Combine("repo"))));
        Assert.Contains("memory/working", e2.Message);
        Assert.Empty(new BackupRepository(dir.Combine("repo")).List());

        var partial = new BackupEngine().Run(new BackupRequest(data, dir.Combine("repo")) { Components = [JameyComponent.Database, JameyComponent.ShortTerm] });
        Assert.Equal([JameyComponent.Database, JameyComponent.ShortTerm], partial.Components.Select(c => c.Component));
    }
}
