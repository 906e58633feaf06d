using Jamey3.Engine.Data;
using Jamey3.Engine.Restore;
using Xunit.Sdk;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>
/// A crash (simulated by a test hook that throws at a named step, skipping all cleanup) at every step of a restore,
/// and again at every step of the recovery that follows: each component is always old, new or in transit with both
/// copies intact, never mixed; recovery leaves every component old (crash before Staged) or new (after), healthy.
/// </summary>
public sealed class RestoreInterruptionTests : RestoreTestBase
{
    readonly string _template;
    readonly string _backupId;
    readonly Dictionary<JameyComponent, SortedDictionary<string, string>> _old;
    readonly Dictionary<JameyComponent, SortedDictionary<string, string>> _new;
    readonly SortedDictionary<string, string> _oldRows;
    int _targets;

    public RestoreInterruptionTests()
    {
        // The backup holds "new"; the destination holds "old": mutated, with a -wal of committed rows never checkpointed.
        Create(Data, seed: 40);
        _backupId = Backup().BackupId;
        Mutate(Data, seed: 41);
        LeaveHotWal(Data, seed: 42);
        _template = Path.Combine(Root, "template");
        CopyTree(Data, _template);
        Assert.True(File.Exists(Path.Combine(_template, "jamey.db-wal")));
        _old = DataLayout.All.ToDictionary(c => c, c => HashComponent(_template, c));
        _oldRows = DumpRows(_template);

        var reference = Path.Combine(Root, "reference");
        new RestoreEngine().Run(new RestoreRequest(Repo, _backupId, reference));
        _new = DataLayout.All.ToDictionary(c => c, c => HashComponent(reference, c));
        foreach (var c in DataLayout.All) Assert.NotEqual(_old[c], _new[c]);
    }

    string FreshTarget()
    {
        var target = Path.Combine(Root, $"t{++_targets}");
        CopyTree(_template, target);
        return target;
    }

    RestoreRequest RequestFor(string target) => new(Repo, _backupId, target) { Force = true };

    List<string> RecordRestoreSteps()
    {
        var steps = new List<string>();
        new RestoreEngine { StepHook = steps.Add }.Run(RequestFor(FreshTarget()));
        return steps;
    }

    static Action<string> CrashAt(string step) => s => { if (s == step) throw new SimulatedCrashException(s); };

    [Fact]
    public void CrashAtEveryRestoreStep_RecoveryLeavesEachComponentWhollyOldOrWhollyNew()
    {
        var steps = RecordRestoreSteps();
        Assert.Contains("swap:staged", steps);
        Assert.Contains("swap:Database:aside:jamey.db-wal", steps); // the old -wal really travels
        Assert.True(steps.Count >= 25, string.Join(", ", steps));
        int staged = steps.IndexOf("swap:staged");

        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var target = FreshTarget();
            Within(step, () =>
            {
                Assert.Throws<SimulatedCrashException>(() => new RestoreEngine { StepHook = CrashAt(step) }.Run(RequestFor(target)));
                AssertNeverMixed(target);

                var recovered = RestoreEngine.Recover(target);
                bool forward = i >= staged;
                AssertAll(target, forward);
                if (i < staged) Assert.Equal(RestoreRecoveryAction.RolledBack, Assert.Single(recovered).Action);
                else if (step.StartsWith("swap:", StringComparison.Ordinal))
                    Assert.Equal(RestoreRecoveryAction.RolledForward, Assert.Single(recovered).Action);

                // Idempotent: a second recovery finds nothing to do and changes nothing.
                Assert.Empty(RestoreEngine.Recover(target));
                AssertAll(target, forward);
            });
        }
    }

    [Theory]
    [InlineData("swap:staged")]
    [InlineData("swap:Database:aside:jamey.db-wal")]
    [InlineData("swap:Database:aside:jamey.db")]
    [InlineData("swap:LongTerm:aside:memory/long_term")]
    [InlineData("swap:Semantic:in:memory/semantic")]
    [InlineData("prepare:checked:Episodic")]
    public void CrashDuringRecovery_AtEveryRecoveryStep_ANewRecoveryStillFinishes(string restoreStep)
    {
        var crashed = FreshTarget();
        Assert.Throws<SimulatedCrashException>(() => new RestoreEngine { StepHook = CrashAt(restoreStep) }.Run(RequestFor(crashed)));
        var snapshot = Path.Combine(Root, "crashed-" + _targets);
        CopyTree(crashed, snapshot);
        bool forward = restoreStep.StartsWith("swap:", StringComparison.Ordinal);

        var recoverySteps = new List<string>();
        RestoreEngine.Recover(crashed, null, recoverySteps.Add, null, default);
        AssertAll(crashed, forward);
        Assert.NotEmpty(recoverySteps);

        foreach (var step in recoverySteps)
        {
            var target = Path.Combine(Root, $"r{++_targets}");
            CopyTree(snapshot, target);
            Within($"{restoreStep} then recovery {step}", () =>
            {
                Assert.Throws<SimulatedCrashException>(() => RestoreEngine.Recover(target, null, CrashAt(step), null, default));
                AssertNeverMixed(target);
                RestoreEngine.Recover(target);
                AssertAll(target, forward);
            });
        }
    }

    [Fact]
    public void FailureAtEverySwapStep_IsUndoneInProcess_AndACrashWhileUndoingIsRecovered()
    {
        var steps = RecordRestoreSteps().Where(s => s.StartsWith("swap:", StringComparison.Ordinal)).ToList();
        foreach (var step in steps)
        {
            var target = FreshTarget();
            Within(step, () =>
            {
                var hook = (string s) => { if (s == step) throw new IOException($"injected failure at {s}"); };
                var e = Assert.Throws<RestoreSwapFailedException>(() => new RestoreEngine { StepHook = hook }.Run(RequestFor(target)));
                Assert.Equal("RestoreSwapFailed", e.ErrorId);
                AssertAll(target, forward: false);
                Assert.Empty(OperationFolders(target));
            });
        }

        // Fail in the middle of the swap, then crash in the middle of undoing it: recovery finishes undoing it.
        var failAt = "swap:LongTerm:in:memory/long_term";
        var undoSteps = new List<string>();
        var probe = FreshTarget();
        Assert.Throws<RestoreSwapFailedException>(() => new RestoreEngine
        {
            StepHook = s => { undoSteps.Add(s); if (s == failAt) throw new IOException("injected"); },
        }.Run(RequestFor(probe)));
        undoSteps = undoSteps.SkipWhile(s => s != failAt).Skip(1).ToList();
        Assert.Contains("rollback:journal", undoSteps);
        foreach (var crashAt in undoSteps)
        {
            var target = FreshTarget();
            Within($"{failAt} then undo crash at {crashAt}", () =>
            {
                Assert.Throws<SimulatedCrashException>(() => new RestoreEngine
                {
                    StepHook = s =>
                    {
                        if (s == failAt) throw new IOException("injected");
                        if (s == crashAt) throw new SimulatedCrashException(s);
                    },
                }.Run(RequestFor(target)));
                AssertNeverMixed(target);
                var recovered = RestoreEngine.Recover(target);
                Assert.Equal(RestoreRecoveryAction.RolledBack, Assert.Single(recovered).Action);
                AssertAll(target, forward: false);
            });
        }
    }

    [Fact]
    public void WithoutForce_TheWriterProbeLeavesTheOldDatabaseSelfContainedInTheRollback()
    {
        var target = FreshTarget();
        var result = new RestoreEngine().Run(RequestFor(target) with { Force = false });
        AssertAll(target, forward: true);
        Assert.NotNull(result.RollbackPath);
        Assert.False(File.Exists(Path.Combine(result.RollbackPath!, "jamey.db-wal")));
        Assert.Equal(_oldRows, DumpRows(result.RollbackPath!)); // the -wal's rows were checkpointed into it, none lost
    }

    [Fact]
    public void SomethingCreatedInTheGapBeforeRecovery_IsMovedAsideIntoDisplaced_NeverOverwritten()
    {
        var target = FreshTarget();
        Assert.Throws<SimulatedCrashException>(() => new RestoreEngine { StepHook = CrashAt("swap:Database:aside:jamey.db") }.Run(RequestFor(target)));
        // Jamey was started before recovery ran and created an empty database where the old one had been.
        var stray = Path.Combine(target, "jamey.db");
        File.WriteAllText(stray, "a database someone created meanwhile");
        var observer = new RecordingObserver();

        var recovered = RestoreEngine.Recover(target, observer);

        Assert.Equal(RestoreRecoveryAction.RolledForward, Assert.Single(recovered).Action);
        AssertAll(target, forward: true);
        var op = Assert.Single(OperationFolders(target));
        Assert.Equal("a database someone created meanwhile", File.ReadAllText(Path.Combine(op, "displaced", "jamey.db.1")));
        Assert.Equal(_oldRows, DumpRows(Path.Combine(op, "rollback")));
        Assert.Contains(observer.Warnings, w => w.Contains("displaced", StringComparison.Ordinal));
    }

    // ---- assertions ----

    /// <summary>Every component is wholly old, wholly new, or absent with both copies intact in the operation folder.</summary>
    void AssertNeverMixed(string target)
    {
        var ops = OperationFolders(target);
        var op = ops.Length == 1 ? ops[0] : null;
        foreach (var c in DataLayout.All)
        {
            var live = HashComponent(target, c);
            if (Same(live, _new[c])) continue;
            if (c != JameyComponent.Database)
            {
                if (Same(live, _old[c])) continue;
                Assert.True(live.Count == 0, $"{c} is mixed: {string.Join(", ", live.Keys)}");
                Assert.NotNull(op);
                Assert.True(Same(HashComponent(Path.Combine(op!, "rollback"), c), _old[c]), $"{c}: absent, but the rollback copy is not the old data");
                Assert.True(Same(HashComponent(Path.Combine(op!, "new"), c), _new[c]), $"{c}: absent, but the staged copy is not the new data");
                continue;
            }
            // The database: old side files leave before jamey.db and come back after it, never beside another database.
            var rollback = op is null ? new SortedDictionary<string, string>() : HashComponent(Path.Combine(op, "rollback"), c);
            if (live.TryGetValue("jamey.db", out var main))
            {
                Assert.True(main == _old[c]["jamey.db"], "live jamey.db is neither the old nor the new database");
                foreach (var (name, hash) in _old[c])
                    Assert.True(live.GetValueOrDefault(name) == hash || rollback.GetValueOrDefault(name) == hash, $"old {name} lost");
                Assert.True(live.Keys.All(_old[c].ContainsKey), "a side file that is not the old database's");
            }
            else
            {
                Assert.True(live.Count == 0, $"side files without their database: {string.Join(", ", live.Keys)}");
                Assert.True(Same(rollback, _old[c]), "database absent, but the rollback copy is not the old database");
                Assert.True(Same(HashComponent(Path.Combine(op!, "new"), c), _new[c]), "database absent, but the staged copy is not the new one");
            }
        }
    }

    void AssertAll(string target, bool forward)
    {
        foreach (var c in DataLayout.All)
            Assert.True(Same(HashComponent(target, c), forward ? _new[c] : _old[c]), $"{c} is not wholly {(forward ? "new" : "old")}");
        if (forward) RestoreRoundTripTests.AssertHealthy(target);
        else Assert.Equal(_oldRows, DumpRows(target)); // the old -wal is back beside its database: no committed row lost
        Assert.DoesNotContain(OperationFolders(target), op => Directory.Exists(Path.Combine(op, "new")));
    }

    static bool Same(SortedDictionary<string, string> a, SortedDictionary<string, string> b) => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    static void Within(string step, Action check)
    {
        try { check(); }
        catch (Exception e) when (e is not XunitException || !e.Message.StartsWith("At step", StringComparison.Ordinal))
        {
            throw new XunitException($"At step '{step}': {e.Message}");
        }
    }
}
