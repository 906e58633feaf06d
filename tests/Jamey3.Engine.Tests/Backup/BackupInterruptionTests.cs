using Jamey3.Engine.Backup;
using Jamey3.Engine.History;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;
using Xunit.Sdk;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>
/// A crash (a test hook that throws at a named step, skipping all cleanup and the history record) at every step of a
/// backup: nothing unfinished ever lists as Complete, whatever lists as Complete verifies, and the next run succeeds
/// and records every published backup in the run history, including one published just before the crash.
/// </summary>
public sealed class BackupInterruptionTests : IDisposable
{
    readonly TempDirectory _dir = new("backup-crash");
    readonly string _data;

    public BackupInterruptionTests() => _data = TestData.CreateIn(_dir);

    public void Dispose() => _dir.Dispose();

    static Action<string> CrashAt(string step) => s => { if (s == step) throw new SimulatedCrashException(s); };

    BackupRequest Request(string repo) => new(_data, repo) { DatabaseChunkSize = 64 * 1024 };

    [Fact]
    public void A_crash_at_every_step_never_lists_anything_unfinished_as_Complete_and_the_next_run_succeeds()
    {
        var steps = new List<string>();
        new BackupEngine { StepHook = steps.Add }.Run(Request(_dir.Combine("steps")));
        string[] expected = ["staging:created", "stored:Database", "stored:Semantic", "manifest:writing", "manifest:written", "flushed",
            "publish:renaming", "published", "history:recording", "history:recorded"];
        Assert.True(expected.All(steps.Contains), string.Join(", ", steps));
        Assert.Equal(expected.Where(steps.Contains), steps.Where(expected.Contains)); // in that order
        int published = steps.IndexOf("published");

        // One repository through all the crashes, as a machine that keeps crashing would have it.
        var repo = new BackupRepository(_dir.Combine("repo"));
        var expectedComplete = new List<string>();
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            Within(step, () =>
            {
                var before = repo.List().Select(b => b.BackupId).ToHashSet();
                Assert.Throws<SimulatedCrashException>(() => new BackupEngine { StepHook = CrashAt(step) }.Run(Request(repo.Root)));
                var crashed = repo.List().Single(b => !before.Contains(b.BackupId));
                if (i >= published) expectedComplete.Add(crashed.BackupId);
                else Assert.NotEqual(BackupStatus.Complete, crashed.Status);
                AssertCompleteAreWhole(repo, expectedComplete, crashed.BackupId);

                var next = new BackupEngine().Run(Request(repo.Root));
                Assert.Equal(BackupStatus.Complete, next.Status);
                expectedComplete.Add(next.BackupId);
                AssertCompleteAreWhole(repo, expectedComplete, next.BackupId);

                // Every published backup is in the history as a success, the crashed one included once it was published.
                var history = new RunHistory(repo.StateDirectory).Read();
                var recorded = history.Runs.Where(r => r.Operation == RunOperation.Backup && r.Success).Select(r => r.BackupId).ToList();
                Assert.Equal(expectedComplete.Order(StringComparer.Ordinal), recorded.Order(StringComparer.Ordinal));
                Assert.Equal(next.BackupId, history.Latest[RunOperation.Backup].LastSuccess!.BackupId);
                Assert.DoesNotContain(history.Runs, r => r.Operation == RunOperation.Backup && !r.Success); // a crash records nothing
            });
        }
    }

    [Fact]
    public void A_backup_published_just_before_a_crash_is_recorded_by_the_next_run()
    {
        var repo = new BackupRepository(_dir.Combine("repo"));
        var earlier = new BackupEngine().Run(Request(repo.Root));
        Assert.Throws<SimulatedCrashException>(() => new BackupEngine { StepHook = CrashAt("published") }.Run(Request(repo.Root)));
        var orphan = repo.List().First();
        Assert.Equal(BackupStatus.Complete, orphan.Status);
        var history = new RunHistory(repo.StateDirectory);
        Assert.Equal(earlier.BackupId, history.Read().Latest[RunOperation.Backup].LastSuccess!.BackupId); // lagging

        var warnings = new List<string>();
        var next = new BackupEngine(new Warnings(warnings)).Run(Request(repo.Root));

        var doc = history.Read();
        var run = Assert.Single(doc.Runs, r => r.BackupId == orphan.BackupId);
        Assert.True(run.Success);
        Assert.Equal(orphan.CompletedAt, run.FinishedAt); // the manifest's instant, as a run that recorded itself would say
        Assert.Equal(orphan.TotalSize, run.SizeBytes);
        Assert.Equal([earlier.BackupId, orphan.BackupId, next.BackupId], doc.Runs.Select(r => r.BackupId));
        Assert.Equal(next.BackupId, doc.Latest[RunOperation.Backup].LastSuccess!.BackupId);
        Assert.Contains(warnings, w => w.Contains(orphan.BackupId, StringComparison.Ordinal));

        // Reconciling twice adds nothing.
        Assert.Equal(0, history.Reconcile([run]));
        new BackupEngine().Run(Request(repo.Root));
        Assert.Single(history.Read().Runs, r => r.BackupId == orphan.BackupId);
    }

    /// <summary>Exactly the expected backups list as Complete, and the newest one, if Complete, verifies.</summary>
    static void AssertCompleteAreWhole(BackupRepository repo, List<string> expectedComplete, string newest)
    {
        var complete = repo.List().Where(b => b.Status == BackupStatus.Complete).Select(b => b.BackupId).ToList();
        Assert.Equal(expectedComplete.Order(StringComparer.Ordinal), complete.Order(StringComparer.Ordinal));
        if (!complete.Contains(newest)) return;
        var result = new BackupVerifier().Verify(repo, newest, VerificationMode.Quick);
        Assert.True(result.Passed, $"{newest}: " + string.Join("; ", result.Problems.Select(p => p.ToString())));
    }

    static void Within(string step, Action check)
    {
        try { check(); }
        catch (XunitException e) { throw new XunitException($"After a crash at '{step}': {e.Message}"); }
    }

    sealed class Warnings(List<string> warnings) : Progress.IOperationObserver
    {
        public void Progress(Progress.JameyProgress p) { }
        public void Warning(string message) => warnings.Add(message);
        public void Verbose(string message) { }
    }
}
