using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Retention;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Tests.Outcomes;

/// <summary>
/// Operator mistakes are not failures: a mistyped path, an unknown id, Ctrl+C or a refusal that protects data is
/// recorded as what it was and leaves the "last run succeeded" metrics alone; a run that tried and failed still counts.
/// </summary>
public sealed class RunOutcomeTests : IDisposable
{
    readonly TempDirectory _dir = new("outcomes");
    readonly string _data;
    readonly BackupRepository _repo;
    readonly JameyBackup _good;

    public RunOutcomeTests()
    {
        _data = TestData.CreateIn(_dir, bytes: 250_000);
        _repo = new BackupRepository(_dir.Combine("repo"));
        _good = new BackupEngine().Run(new BackupRequest(_data, _repo.Root));
    }

    public void Dispose() => _dir.Dispose();

    RunHistoryDocument History() => new RunHistory(_repo.StateDirectory).Read();
    RunRecord LastRun(RunOperation op) => History().Latest[op].LastRun!;

    async Task<double> LastRunSuccessMetric()
    {
        var text = await new BackupMetricsCollector(_repo.Root).ExportAsTextAsync();
        var line = text.Split('\n').Single(l => l.StartsWith(BackupMetricNames.LastRunSuccess + " ", StringComparison.Ordinal));
        return double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_mistyped_data_path_is_an_invalid_request_not_a_failed_backup()
    {
        Assert.Throws<DataPathNotFoundException>(() => new BackupEngine().Run(new BackupRequest(_dir.Combine("dta"), _repo.Root)));

        Assert.Equal(RunOutcome.InvalidRequest, LastRun(RunOperation.Backup).Outcome);
        Assert.Equal(_good.BackupId, History().Latest[RunOperation.Backup].LastAttempt!.BackupId);
        Assert.Equal(1, await LastRunSuccessMetric());
        Assert.Equal(_good.BackupId, BackupHealth.Read(_repo.Root).LastBackupAttempt!.BackupId);
    }

    [Fact]
    public async Task Ctrl_C_is_cancelled_not_failed()
    {
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { OnProgress = p => { if (p.ItemIndex >= 1) cts.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => new BackupEngine(observer).Run(new BackupRequest(_data, _repo.Root), cts.Token));

        var run = LastRun(RunOperation.Backup);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
        Assert.False(run.Success);
        Assert.Equal("cancelled", run.Error);
        Assert.Equal(1, await LastRunSuccessMetric());
    }

    [Fact]
    public async Task A_run_that_tried_and_failed_still_counts()
    {
        // An index folder with no commit: the backup sets out and cannot protect the data.
        foreach (var f in Directory.GetFiles(DataLayout.FullPath(_data, JameyComponent.Working), "segments*")) File.Delete(f);

        Assert.ThrowsAny<Exception>(() => new BackupEngine().Run(new BackupRequest(_data, _repo.Root)));

        Assert.Equal(RunOutcome.Failed, LastRun(RunOperation.Backup).Outcome);
        Assert.Equal(LastRun(RunOperation.Backup).Error, History().Latest[RunOperation.Backup].LastAttempt!.Error);
        Assert.Equal(0, await LastRunSuccessMetric());
    }

    [Fact]
    public void Removing_an_unknown_id_or_the_protected_backup_is_not_a_failed_retention_run()
    {
        var engine = new RetentionEngine();
        engine.Run(new RetentionRequest(_repo.Root) { BackupIds = ["20000101-000000-000"] });
        Assert.Equal(RunOutcome.InvalidRequest, LastRun(RunOperation.Retention).Outcome);

        engine.Run(new RetentionRequest(_repo.Root) { BackupIds = [_good.BackupId] }); // the newest complete backup
        Assert.Equal(RunOutcome.Refused, LastRun(RunOperation.Retention).Outcome);

        Assert.False(History().Latest[RunOperation.Retention].LastAttempt is { Success: false });
        Assert.Null(BackupHealth.Read(_repo.Root).LastRetention);
    }

    [Fact]
    public void Restoring_an_unknown_backup_is_an_invalid_request()
    {
        var target = _dir.Combine("restored");
        Assert.ThrowsAny<JameyException>(() => new RestoreEngine().Run(new RestoreRequest(_repo.Root, "20000101-000000-000", target)));

        Assert.Equal(RunOutcome.InvalidRequest, LastRun(RunOperation.Restore).Outcome);
        Assert.Null(BackupHealth.Read(_repo.Root).LastRestore);
    }

    [Fact]
    public void A_history_that_cannot_be_written_never_turns_a_finished_backup_into_an_error_and_is_said()
    {
        // Something else where the history file belongs: every write of it fails.
        var historyFile = new RunHistory(_repo.StateDirectory).FilePath;
        File.Delete(historyFile);
        Directory.CreateDirectory(historyFile);
        var observer = new RecordingObserver();

        var backup = new BackupEngine(observer).Run(new BackupRequest(_data, _repo.Root));

        Assert.Equal(BackupStatus.Complete, backup.Status);
        Assert.Contains(observer.Warnings, w => w.Contains("could not be recorded", StringComparison.Ordinal) && w.Contains("history.json", StringComparison.Ordinal));

        var verifyObserver = new RecordingObserver();
        Assert.True(new BackupVerifier(verifyObserver).Verify(_repo, backup.BackupId, VerificationMode.Quick).Passed);
        Assert.Contains(verifyObserver.Warnings, w => w.Contains("could not be recorded", StringComparison.Ordinal));

        var retentionObserver = new RecordingObserver();
        new RetentionEngine(retentionObserver).Run(new RetentionRequest(_repo.Root) { BackupIds = [_good.BackupId] });
        Assert.Contains(retentionObserver.Warnings, w => w.Contains("could not be recorded", StringComparison.Ordinal));
    }

    [Fact]
    public void Records_written_before_outcomes_existed_read_as_succeeded_or_failed()
    {
        var old = """
            {"format":1,"latest":{},"runs":[
              {"operation":"Backup","startedAt":"2026-01-01T00:00:00+00:00","finishedAt":"2026-01-01T00:00:01+00:00","success":true},
              {"operation":"Backup","startedAt":"2026-01-02T00:00:00+00:00","finishedAt":"2026-01-02T00:00:01+00:00","success":false,"error":"boom"}]}
            """;
        var dir = _dir.Combine("old-state");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "history.json"), old);

        var runs = new RunHistory(dir).Read().Runs;

        Assert.Equal([RunOutcome.Succeeded, RunOutcome.Failed], runs.Select(r => r.Outcome));
        Assert.All(runs, r => Assert.True(r.IsAttempt));
    }
}

/// <summary>The outcome each kind of ending gets, decided in one place (RunRecorder.OutcomeOf).</summary>
public class OutcomeOfTests
{
    public static TheoryData<string, Exception, RunOutcome> Endings => new()
    {
        { "mistyped data path", new DataPathNotFoundException("/no/such/data"), RunOutcome.InvalidRequest },
        { "unknown backup id", new BackupNotFoundException("20000101-000000-000", "/repo"), RunOutcome.InvalidRequest },
        { "bad environment value", new ConfigurationException("BACKUP_MAX_BACKUPS", "x", "a whole number"), RunOutcome.InvalidRequest },
        { "restore while Jamey runs", new DataInUseException("/data/jamey.db", null, JameyComponent.Database), RunOutcome.Refused },
        { "removing the newest verified backup", new BackupProtectedException("b", "the newest verified backup"), RunOutcome.Refused },
        { "another backup holds the lock", new RepositoryBusyException("/repo", "New-JameyBackup", TimeSpan.FromSeconds(10)), RunOutcome.Refused },
        { "Ctrl+C", new OperationCanceledException(), RunOutcome.Cancelled },
        { "Ctrl+C inside parallel work", new AggregateException(new TaskCanceledException()), RunOutcome.Cancelled },
        { "a damaged backup", new BackupVerificationFailedException("b", []), RunOutcome.Failed },
        { "a file that vanished mid-run", new FileNotFoundException("gone", "/data/memory/working/_0.cfs"), RunOutcome.Failed },
        { "a full disk in parallel work", new AggregateException(new IOException("No space left on device : '/repo/x'", 28)), RunOutcome.Failed },
        { "a defect", new InvalidOperationException("bug"), RunOutcome.Failed },
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public void Only_runs_that_tried_and_failed_are_failures(string ending, Exception e, RunOutcome expected) =>
        Assert.True(RunRecorder.OutcomeOf(e) == expected, $"{ending}: {RunRecorder.OutcomeOf(e)}, expected {expected}");
}
