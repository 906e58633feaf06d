using System.Text.Json;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>Index files stored several at once: the same backup as one at a time, and a failure stops them all.</summary>
public class ParallelStoreTests
{
    static BackupRequest Request(string data, string repo) => new(data, repo) { DatabaseChunkSize = 64 * 1024 };

    /// <summary>The manifest's description of the content, without what names the run (id, times, durations).</summary>
    static string Content(Manifest m) => JsonSerializer.Serialize(new { m.Files, Components = m.Components.Select(c => new { c.Component, c.FileCount, c.Size, c.StoredSize }) });

    [Fact]
    public void Storing_files_in_parallel_gives_the_same_manifest_and_stored_bytes_as_one_at_a_time()
    {
        using var dir = new TempDirectory("parallel-same");
        var data = TestData.CreateIn(dir, 1_200_000);
        var one = new BackupRepository(dir.Combine("one"));
        var many = new BackupRepository(dir.Combine("many"));
        var sequential = new BackupEngine { Parallelism = 1 }.Run(Request(data, one.Root));
        var parallel = new BackupEngine { Parallelism = 4 }.Run(Request(data, many.Root));

        var m1 = one.LoadManifest(sequential.BackupId);
        var m2 = many.LoadManifest(parallel.BackupId);
        Assert.Contains(m1.Files, f => f.Compression == CompressionAlgorithm.Zstd && f.Component != JameyComponent.Database);
        Assert.Equal(Content(m1), Content(m2));
        foreach (var f in m1.Files.Where(f => f.Chunks is null))
            Assert.Equal(File.ReadAllBytes(Path.Combine(sequential.Path, f.Stored)), File.ReadAllBytes(Path.Combine(parallel.Path, f.Stored)));
        Assert.True(new BackupVerifier().Verify(many, parallel.BackupId, VerificationMode.Full).Passed);
    }

    [Fact]
    public void A_failure_in_one_file_cancels_the_files_in_flight_and_publishes_nothing()
    {
        using var dir = new TempDirectory("parallel-fail");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var files = Directory.GetFiles(DataLayout.FullPath(data, JameyComponent.LongTerm)).Where(f => !f.EndsWith("write.lock", StringComparison.Ordinal))
            .OrderByDescending(f => new FileInfo(f).Length).Select(f => $"memory/long_term/{Path.GetFileName(f)}").ToList();
        string first = files[0], failing = files[1]; // largest first: both are taken up at once
        bool firstSawCancellation = false;
        var started = new List<string>();
        var engine = new BackupEngine
        {
            Parallelism = 2,
            FileHook = (path, token) =>
            {
                lock (started) started.Add(path);
                if (path == first)
                {
                    // Busy with a file when another fails: its token must stop it.
                    firstSawCancellation = token.WaitHandle.WaitOne(TimeSpan.FromSeconds(20));
                    token.ThrowIfCancellationRequested();
                }
                if (path == failing) throw new IOException("simulated write failure");
            },
        };

        var e = Assert.Throws<IOException>(() => engine.Run(Request(data, repo.Root)));
        Assert.Equal("simulated write failure", e.Message); // the failure itself, not a wrapper or a cancellation
        Assert.True(firstSawCancellation, "the file in flight was cancelled");
        Assert.True(started.Count(p => p.StartsWith("memory/long_term/", StringComparison.Ordinal)) < files.Count, "no file is taken up after the failure");
        Assert.Empty(repo.List());
        Assert.False(Directory.Exists(repo.BackupsDirectory) && Directory.EnumerateFileSystemEntries(repo.BackupsDirectory).Any());
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.StagingDirectory));

        var next = new BackupEngine().Run(Request(data, repo.Root)); // and the next run is whole
        Assert.True(new BackupVerifier().Verify(repo, next.BackupId, VerificationMode.Quick).Passed);
    }
}
