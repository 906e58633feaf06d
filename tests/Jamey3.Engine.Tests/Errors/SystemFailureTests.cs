using System.Diagnostics;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Tests.Failures;

/// <summary>
/// Failures of the system name their real cause and path, at once: a full disk is DiskFull (not an
/// AggregateException reported as UnexpectedError), a read-only repository fails at once (not a 10 s wait
/// ending in "busy", nor a 30 s wait for the run history). Real tmpfs mounts, no simulated errors.
/// </summary>
public class SystemFailureTests
{
    [Fact]
    public void An_aggregate_of_parallel_work_reports_its_real_cause()
    {
        var cause = new FileNotFoundException("Could not find file '/x/y'.");
        var wrapped = new AggregateException(new OperationCanceledException(), new AggregateException(cause));

        var j = JameyFailures.Classify(wrapped);

        Assert.Same(cause, j.InnerException);
        Assert.Equal(JameyErrors.PathNotFound, j.Error);
        Assert.Equal("/x/y", j.Target);
        Assert.DoesNotContain("One or more errors", j.Message);
        Assert.Equal(JameyErrors.UnexpectedError, JameyFailures.Classify(new AggregateException(new InvalidOperationException("bug"))).Error);
        Assert.Equal(JameyErrors.OperationCancelled, JameyFailures.Classify(new AggregateException(new TaskCanceledException())).Error);
    }

    [MountFact]
    public void A_disk_that_fills_while_storing_the_database_is_DiskFull_naming_the_path()
    {
        using var dir = new TempDirectory("diskfull");
        var data = TestData.CreateIn(dir, bytes: 1_500_000);
        using var mount = new SmallMount(dir.Combine("repo"), megabytes: 8);
        var repo = new BackupRepository(mount.Path);
        // Room for the uncompressed snapshot and the lock, not for the stored chunks as well: the disk fills
        // inside the parallel chunk store, which throws an AggregateException.
        var db = new FileInfo(DataLayout.FullPath(data, JameyComponent.Database)).Length;
        var wal = new FileInfo(DataLayout.FullPath(data, JameyComponent.Database) + "-wal");
        mount.Fill(leaveBytes: db + (wal.Exists ? wal.Length : 0) + 64 * 1024);
        var observer = new RecordingObserver();

        var e = Assert.ThrowsAny<Exception>(() => new BackupEngine(observer).Run(new BackupRequest(data, repo.Root)
        {
            Components = [JameyComponent.Database], Compression = CompressionAlgorithm.None, DatabaseChunkSize = 64 * 1024,
        }));

        var j = JameyFailures.Classify(e);
        Assert.True(j.Error == JameyErrors.DiskFull, $"{j.ErrorId}: {j.Message} (thrown: {e.GetType().Name}: {e.Message})");
        Assert.Equal(JameyErrorKind.ResourceUnavailable, j.Kind);
        Assert.StartsWith(mount.Path, Assert.IsType<string>(j.Target));
        Assert.Contains(mount.Path, j.Message);
        Assert.DoesNotContain("One or more errors", j.Message);
        Assert.Empty(repo.List());
        // Removing the staging folder freed the space, so the failure is in the history, with the same cause.
        var run = new RunHistory(repo.StateDirectory).Read().Latest[RunOperation.Backup].LastAttempt!;
        Assert.Equal(RunOutcome.Failed, run.Outcome);
        Assert.Contains("No space left", run.Error);
        Assert.DoesNotContain("One or more errors", run.Error);
    }

    [MountFact]
    public void A_full_repository_fails_at_once_as_DiskFull_and_leaves_no_lock_held()
    {
        using var dir = new TempDirectory("full");
        var data = TestData.CreateIn(dir, bytes: 200_000);
        using var mount = new SmallMount(dir.Combine("repo"), megabytes: 2);
        mount.Fill();

        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<Exception>(() => new BackupEngine().Run(new BackupRequest(data, mount.Path) { LockTimeout = TimeSpan.FromSeconds(10) }));

        var j = JameyFailures.Classify(e);
        Assert.True(j.Error == JameyErrors.DiskFull, $"{j.ErrorId}: {j.Message}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed.TotalSeconds:0.0} s to fail");
        Assert.False(RepositoryLock.IsHeld(new BackupRepository(mount.Path).LocksDirectory), "the failed run still holds the writer lock");
    }

    [MountFact]
    public void A_read_only_repository_fails_at_once_with_the_real_cause_and_a_quick_test_still_reads_it()
    {
        using var dir = new TempDirectory("readonly");
        var data = TestData.CreateIn(dir);
        using var mount = new SmallMount(dir.Combine("repo"), megabytes: 16);
        var repo = new BackupRepository(mount.Path);
        var backup = new BackupEngine().Run(new BackupRequest(data, repo.Root));
        mount.MakeReadOnly();

        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<Exception>(() => new BackupEngine().Run(new BackupRequest(data, repo.Root) { LockTimeout = TimeSpan.FromSeconds(10) }));
        var took = watch.Elapsed;
        var j = JameyFailures.Classify(e);
        Assert.True(j.Error == JameyErrors.ReadOnlyFileSystem, $"{j.ErrorId}: {j.Message}");
        Assert.StartsWith(mount.Path, Assert.IsType<string>(j.Target));
        Assert.True(took < TimeSpan.FromSeconds(3), $"took {took.TotalSeconds:0.0} s to fail");

        var observer = new RecordingObserver();
        watch.Restart();
        var result = new BackupVerifier(observer).Verify(repo, backup.BackupId, VerificationMode.Quick);
        took = watch.Elapsed;
        Assert.True(result.Passed, string.Join("; ", result.Problems.Select(p => p.ToString())));
        Assert.True(took < TimeSpan.FromSeconds(5), $"a quick test of a read-only repository took {took.TotalSeconds:0.0} s");
        Assert.True(result.Duration >= took - TimeSpan.FromSeconds(1), "time spent recording must show in the result");
        var warning = Assert.Single(observer.Warnings, w => w.Contains("run history", StringComparison.Ordinal));
        Assert.Contains("ReadOnlyFileSystem", warning);
    }

    [UnixFact]
    public void A_stored_file_that_is_a_link_is_listed_as_a_link_not_as_a_size_mismatch()
    {
        using var dir = new TempDirectory("storedlink");
        var data = TestData.CreateIn(dir, bytes: 200_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var backup = new BackupEngine().Run(new BackupRequest(data, repo.Root) { Components = [JameyComponent.Working] });
        var stored = Path.Combine(backup.Path, repo.LoadManifest(backup.BackupId).Files[0].Stored);
        var elsewhere = dir.Combine("elsewhere.bin");
        File.WriteAllBytes(elsewhere, new byte[12345]);
        File.Delete(stored);
        File.CreateSymbolicLink(stored, elsewhere);

        var listed = repo.Read(backup.BackupId);

        Assert.Equal(BackupStatus.Damaged, listed.Status);
        Assert.Contains("is a link", listed.Problem);
        Assert.DoesNotContain("bytes", listed.Problem);
    }

    [Fact]
    public void A_manifest_format_below_1_is_called_invalid_not_a_reason_to_upgrade()
    {
        using var dir = new TempDirectory("format0");
        var data = TestData.CreateIn(dir, bytes: 200_000);
        var repo = new BackupRepository(dir.Combine("repo"));
        var backup = new BackupEngine().Run(new BackupRequest(data, repo.Root) { Components = [JameyComponent.Database] });
        var manifestPath = Path.Combine(backup.Path, Manifest.FileName);
        File.WriteAllText(manifestPath, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(manifestPath), "\"format\":\\s*\\d+", "\"format\": 0"));

        var e = Assert.Throws<InvalidManifestException>(() => repo.LoadManifest(backup.BackupId));

        Assert.Contains("format 0", e.Message);
        Assert.DoesNotContain("upgrade", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("damaged", e.Message);
    }
}
