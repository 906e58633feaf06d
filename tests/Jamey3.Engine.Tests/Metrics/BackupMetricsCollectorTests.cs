using Xunit.Abstractions;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.History;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Verification;
using static Jamey3.Engine.Metrics.BackupMetricNames;

namespace Jamey3.Engine.Tests.Metrics;

public sealed class BackupMetricsCollectorTests(ITestOutputHelper output) : IDisposable
{
    readonly MetricsWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    async Task<Dictionary<string, double>> Collect(BackupMetricsCollector c) => Exposition.Parse(await c.ExportAsTextAsync());

    [Fact]
    public async Task Missing_repository_is_up_0_with_only_the_schedule_published()
    {
        var c = new BackupMetricsCollector(_ws.RepositoryPath, new JameySettings { IntervalHours = 6 });
        var m = await Collect(c);
        Assert.Equal(0, m[Up]);
        Assert.Equal(6 * 3600, m[ScheduleIntervalSeconds]);
        Assert.Equal([ScheduleIntervalSeconds, Up], m.Keys.Order());
        Assert.False(c.LastCollection!.RepositoryReadable);
        Assert.Contains("does not exist", c.LastCollection.Error);
    }

    [Fact]
    public async Task Empty_repository_says_never_with_zeros()
    {
        Directory.CreateDirectory(_ws.RepositoryPath);
        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        Assert.Equal(1, m[Up]);
        Assert.Equal(24 * 3600, m[ScheduleIntervalSeconds]);
        foreach (var (name, _) in All.Where(x => x.Name is not (Up or ScheduleIntervalSeconds)))
            Assert.Equal(0, m[name]);
    }

    [Fact]
    public async Task Values_equal_the_history_and_the_manifest()
    {
        var backup = _ws.Backup();
        var repo = new BackupRepository(_ws.RepositoryPath);
        var manifest = repo.LoadManifest(backup.BackupId);
        var history = new RunHistory(repo.StateDirectory).Read().Latest[RunOperation.Backup];

        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));

        // The history's success time is the manifest's CompletedAt, in whole milliseconds, exported exactly.
        Assert.Equal(manifest.CompletedAt, history.LastSuccess!.FinishedAt);
        Assert.Equal(0, manifest.CompletedAt.UtcTicks % TimeSpan.TicksPerMillisecond);
        Assert.Equal(manifest.CompletedAt.ToUnixTimeMilliseconds() / 1000.0, m[LastSuccessTimestampSeconds]);
        Assert.Equal(m[LastSuccessTimestampSeconds], m[LastAttemptTimestampSeconds]);
        Assert.Equal(1, m[LastRunSuccess]);
        Assert.Equal(manifest.Totals.Size, m[LastSizeBytes]);
        Assert.Equal(backup.TotalSize, m[LastSizeBytes]);
        Assert.Equal((manifest.CompletedAt - manifest.CreatedAt).TotalSeconds, m[LastDurationSeconds], 6);
        Assert.Equal(1, m[Retained]);
        Assert.Equal(DiskUsage.Measure(_ws.RepositoryPath), m[RepositorySizeBytes]);
        Assert.True(m[RepositorySizeBytes] >= manifest.Totals.StoredSize);
        Assert.Equal(0, m[LastVerifyTimestampSeconds]);
        Assert.Equal(1, m[Up]);
    }

    [Fact]
    public async Task A_failed_attempt_after_a_success_keeps_the_success_and_reports_the_failure()
    {
        var backup = _ws.Backup();
        var history = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory);
        var failedAt = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        history.Record(new RunRecord { Operation = RunOperation.Backup, StartedAt = failedAt.AddSeconds(-3), FinishedAt = failedAt, Success = false, Error = "disk full" });

        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(backup.CompletedAt!.Value), m[LastSuccessTimestampSeconds]);
        Assert.Equal(1893553445.678, m[LastAttemptTimestampSeconds]);
        Assert.Equal(0, m[LastRunSuccess]);
        Assert.Equal(backup.TotalSize, m[LastSizeBytes]); // of the last success, not of the failed attempt
    }

    [Fact]
    public async Task Attempts_that_never_succeeded_export_success_0()
    {
        var history = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory);
        var at = DateTimeOffset.UtcNow;
        history.Record(new RunRecord { Operation = RunOperation.Backup, StartedAt = at.AddSeconds(-1), FinishedAt = at, Success = false, Error = "boom" });
        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        Assert.Equal(0, m[LastSuccessTimestampSeconds]);
        Assert.True(m[LastAttemptTimestampSeconds] > 0);
        Assert.Equal(0, m[LastRunSuccess]);
        Assert.Equal(0, m[Retained]);
    }

    [Fact]
    public async Task Verify_restore_and_retention_come_from_their_last_attempts()
    {
        var backup = _ws.Backup();
        var repo = new BackupRepository(_ws.RepositoryPath);
        var verified = new BackupVerifier().Verify(repo, backup.BackupId, VerificationMode.Quick);
        Assert.True(verified.Passed);
        var history = new RunHistory(repo.StateDirectory);
        var restoreAt = new DateTimeOffset(2031, 5, 6, 7, 8, 9, 250, TimeSpan.Zero);
        history.Record(new RunRecord { Operation = RunOperation.Restore, StartedAt = restoreAt.AddMinutes(-1), FinishedAt = restoreAt, Success = true });
        var retentionAt = restoreAt.AddHours(1);
        history.Record(new RunRecord { Operation = RunOperation.Retention, StartedAt = retentionAt, FinishedAt = retentionAt, Success = true });
        history.Record(new RunRecord { Operation = RunOperation.Retention, StartedAt = retentionAt, FinishedAt = retentionAt.AddHours(1), Success = false });

        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        var verify = history.Read().Latest[RunOperation.Verify].LastAttempt!;
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(verify.FinishedAt), m[LastVerifyTimestampSeconds]);
        Assert.Equal(1, m[LastVerifySuccess]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(restoreAt), m[LastRestoreTimestampSeconds]);
        Assert.Equal(1, m[LastRestoreSuccess]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(retentionAt.AddHours(1)), m[LastRetentionTimestampSeconds]);
        Assert.Equal(0, m[LastRetentionSuccess]);
    }

    [Fact]
    public async Task A_damaged_history_gives_up_0_and_keeps_the_last_values_read()
    {
        _ws.Backup();
        var c = new BackupMetricsCollector(_ws.RepositoryPath);
        var before = await Collect(c);
        Assert.Equal(1, before[Up]);

        var historyFile = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory).FilePath;
        var good = File.ReadAllBytes(historyFile);
        File.WriteAllText(historyFile, "{ \"latest\": { not json");
        var during = await Collect(c);
        Assert.Equal(0, during[Up]);
        Assert.Contains("history", c.LastCollection!.Error);
        foreach (var (name, value) in before.Where(kv => kv.Key != Up))
            Assert.Equal(value, during[name]);

        File.WriteAllBytes(historyFile, good);
        Assert.Equal(1, (await Collect(c))[Up]);
    }

    [Fact]
    public async Task A_history_replaced_by_a_folder_gives_up_0()
    {
        _ws.Backup();
        var historyFile = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory).FilePath;
        File.Delete(historyFile);
        Directory.CreateDirectory(historyFile);
        var c = new BackupMetricsCollector(_ws.RepositoryPath);
        var m = await Collect(c);
        Assert.Equal(0, m[Up]);
        Assert.Contains("is a folder", c.LastCollection!.Error);
        Assert.False(m.ContainsKey(LastSuccessTimestampSeconds)); // never read: absent, not 0
    }

    [Fact]
    public async Task A_lost_history_falls_back_to_the_newest_complete_backup()
    {
        var backup = _ws.Backup();
        File.Delete(new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory).FilePath);
        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        Assert.Equal(1, m[Up]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(backup.CompletedAt!.Value), m[LastSuccessTimestampSeconds]);
        Assert.Equal(m[LastSuccessTimestampSeconds], m[LastAttemptTimestampSeconds]);
        Assert.Equal(1, m[LastRunSuccess]);
        Assert.Equal(backup.TotalSize, m[LastSizeBytes]);
    }

    [Fact]
    public async Task Damaged_and_unfinished_backups_are_not_retained()
    {
        var first = _ws.Backup();
        _ws.AddData();
        _ws.Backup();
        var repo = new BackupRepository(_ws.RepositoryPath);
        File.WriteAllText(Path.Combine(repo.BackupDirectory(first.BackupId), Manifest.FileName), "garbage");
        Directory.CreateDirectory(Path.Combine(repo.StagingDirectory, "20200101-000000-000"));
        var m = await Collect(new BackupMetricsCollector(_ws.RepositoryPath));
        Assert.Equal(1, m[Up]);
        Assert.Equal(1, m[Retained]);
    }

    [Fact]
    public async Task Collections_during_backups_of_another_writer_stay_up()
    {
        _ws.Backup();
        var c = new BackupMetricsCollector(_ws.RepositoryPath);
        using var done = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            try
            {
                for (int i = 0; i < 6; i++) _ws.Backup(); // staging folders appear, get published, history is rewritten
            }
            finally { done.Cancel(); }
        });
        var failures = new List<string>();
        int collections = 0;
        var slowest = TimeSpan.Zero;
        while (!done.IsCancellationRequested)
        {
            var r = c.Refresh();
            collections++;
            if (r.Duration > slowest) slowest = r.Duration;
            if (!r.RepositoryReadable) failures.Add(r.Error!);
        }
        await writer;
        output.WriteLine($"{collections} collections during 6 backups, slowest {slowest.TotalMilliseconds:0.0} ms");
        Assert.Empty(failures);
        Assert.True(collections > 0);
        var m = await Collect(c);
        Assert.Equal(7, m[Retained]);
    }

    [Fact]
    public void ToUnixSeconds_of_whole_milliseconds_is_exact()
    {
        var t = new DateTimeOffset(2025, 7, 14, 9, 30, 15, 123, TimeSpan.FromHours(2));
        Assert.Equal(t.ToUnixTimeMilliseconds() / 1000.0, BackupMetricsCollector.ToUnixSeconds(t));
        Assert.Equal(0, BackupMetricsCollector.ToUnixSeconds(DateTimeOffset.UnixEpoch));
    }
}
