using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Retention;
using Jamey3.Engine.Tests.Restore;
using Jamey3.Engine.Verification;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Retention;

/// <summary>Retention on repositories of real backups whose ages are crafted (ids and manifests rewritten), with a fixed clock.</summary>
public sealed class RetentionEngineTests : RestoreTestBase
{
    static readonly DateTimeOffset Now = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
    static readonly double[] Ages = [0.5, 1, 3, 8, 15, 40, 90];

    RetentionEngine Engine(RecordingObserver? observer = null) => new(observer, () => Now);
    BackupRepository Repository => new(Repo);

    /// <summary>One real backup per age (the data changes a little between them), recast to be that many days old. Newest first.</summary>
    List<string> MakeBackups(params double[] ages)
    {
        Create(Data, seed: 60, records: 12);
        var made = new List<(string Id, double Age)>();
        foreach (var age in ages.OrderByDescending(a => a))
        {
            var id = Backup().BackupId;
            made.Add((id, age));
            Mutate(Data, seed: 61 + made.Count, only: [JameyComponent.Database, JameyComponent.Working]);
        }
        return made.Select(m => Recast(m.Id, Now - TimeSpan.FromDays(m.Age))).Reverse().ToList();
    }

    string Recast(string id, DateTimeOffset time)
    {
        var newId = time.UtcDateTime.ToString(BackupRepository.IdFormat, CultureInfo.InvariantCulture);
        var dir = Path.Combine(Repo, "backups", id);
        var manifestPath = Path.Combine(dir, Manifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["backupId"] = newId;
        json["createdAt"] = time.ToString("O", CultureInfo.InvariantCulture);
        json["completedAt"] = time.AddSeconds(2).ToString("O", CultureInfo.InvariantCulture);
        File.WriteAllText(manifestPath, json.ToJsonString());
        Directory.Move(dir, Path.Combine(Repo, "backups", newId));
        return newId;
    }

    void RecordVerify(string id, bool success, DateTimeOffset at) =>
        new RunHistory(Path.Combine(Repo, "state")).Record(new RunRecord
        {
            Operation = RunOperation.Verify, StartedAt = at, FinishedAt = at.AddSeconds(1), Success = success, BackupId = id,
        });

    string[] Listed() => Repository.List().Select(b => b.BackupId).ToArray();

    [Fact]
    public void Policy_KeepsTheNewestMaxBackups_WithinTheAgeLimit_AndRemovesTheRest()
    {
        var ids = MakeBackups(Ages); // 0.5, 1, 3, 8, 15, 40, 90 days old
        var request = new RetentionRequest(Repo) { MaxBackups = 4, MaxAge = TimeSpan.FromDays(30) };

        var plan = Engine().Plan(request);

        Assert.Null(plan.NewestVerifiedId);
        Assert.Equal(ids[0], plan.NewestCompleteId);
        Assert.Equal(ids, plan.Decisions.Select(d => d.BackupId));
        Assert.Equal(
            [RetentionRule.NewestComplete, RetentionRule.WithinPolicy, RetentionRule.WithinPolicy, RetentionRule.WithinPolicy,
             RetentionRule.ExceedsMaxBackups, RetentionRule.ExceedsMaxBackups, RetentionRule.ExceedsMaxBackups],
            plan.Decisions.Select(d => d.Rule));
        Assert.All(plan.Decisions, d => Assert.False(string.IsNullOrWhiteSpace(d.Reason)));

        var done = Engine().Run(request);

        Assert.Equal(ids.Take(4), Listed());
        Assert.Equal(ids.Skip(4), done.Decisions.Where(d => d.Removed).Select(d => d.BackupId));
        Assert.Empty(done.Failures);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Repo, "trash")));
        var history = new RunHistory(Path.Combine(Repo, "state")).Read();
        var run = history.Latest[RunOperation.Retention].LastAttempt!;
        Assert.True(run.Success);
        Assert.Equal(done.ToRemove.Sum(d => d.StoredSize), run.SizeBytes);
    }

    [Fact]
    public void Policy_AgeLimitRemovesOlderBackupsEvenWithinTheCount()
    {
        var ids = MakeBackups(Ages);
        Engine().Run(new RetentionRequest(Repo) { MaxBackups = 10, MaxAge = TimeSpan.FromDays(10) });
        Assert.Equal(ids.Take(4), Listed()); // 0.5, 1, 3, 8 days
    }

    [Fact]
    public void Policy_NeverRemovesTheNewestBackupWhoseLatestVerificationPassed()
    {
        var ids = MakeBackups(Ages);
        // Really verify the 40-day-old backup; the 15-day one passed once and failed later; the 1-day one failed.
        Assert.True(new BackupVerifier().Verify(Repository, ids[5], VerificationMode.Full).Passed);
        RecordVerify(ids[4], true, Now.AddDays(-10));
        RecordVerify(ids[4], false, Now.AddDays(-2));
        RecordVerify(ids[1], false, Now.AddDays(-1));

        var plan = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 2, MaxAge = TimeSpan.FromDays(10) });

        Assert.Equal(ids[5], plan.NewestVerifiedId);
        Assert.Equal([ids[0], ids[1], ids[5]], Listed());
        Assert.Equal(RetentionRule.NewestVerified, plan.Decisions.Single(d => d.BackupId == ids[5]).Rule);
        Assert.Equal(RetentionRule.NewestComplete, plan.Decisions.Single(d => d.BackupId == ids[0]).Rule);
    }

    [Fact]
    public void Policy_NeverEmptiesTheRepository_WhenEveryBackupIsTooOld()
    {
        var ids = MakeBackups(40, 60, 90);
        var plan = Engine().Run(RetentionRequest.FromSettings(Repo, new JameySettings { MaxBackups = 5, RetentionDays = 30 }));
        Assert.Equal([ids[0]], Listed());
        Assert.Equal(RetentionRule.NewestComplete, plan.Decisions[0].Rule);
    }

    [Fact]
    public void FromSettings_MapsTheEnvironmentPolicy_ZeroDaysMeaningNoAgeLimit()
    {
        var settings = JameySettings.FromEnvironment(name => name switch
        {
            JameySettings.MaxBackupsVariable => "3",
            JameySettings.RetentionDaysVariable => "0",
            _ => null,
        });
        var r = RetentionRequest.FromSettings(Repo, settings);
        Assert.Equal(3, r.MaxBackups);
        Assert.Null(r.MaxAge);
        var overridden = RetentionRequest.FromSettings(Repo, settings, maxBackups: 7, retentionDays: 2.5);
        Assert.Equal(7, overridden.MaxBackups);
        Assert.Equal(TimeSpan.FromDays(2.5), overridden.MaxAge);
    }

    [Fact]
    public void Plan_ChangesNothing_AndMatchesWhatRunDoes()
    {
        var ids = MakeBackups(Ages);
        Directory.CreateDirectory(Path.Combine(Repo, "trash", "20200101-000000-000.deadbeef", "files"));
        File.WriteAllText(Path.Combine(Repo, "trash", "20200101-000000-000.deadbeef", "files", "x"), "left over");
        var before = Snapshot();
        var request = new RetentionRequest(Repo) { MaxBackups = 3, MaxAge = TimeSpan.FromDays(30) };

        var plan = Engine().Plan(request);

        Assert.Equal(before, Snapshot());
        Assert.Single(plan.TrashLeftovers);
        Assert.All(plan.Decisions, d => Assert.False(d.Removed));
        var done = Engine().Run(request);
        Assert.Equal(plan.ToRemove.Select(d => d.BackupId), done.Decisions.Where(d => d.Removed).Select(d => d.BackupId));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Repo, "trash")));
        Assert.Equal(ids.Take(3), Listed());
    }

    SortedDictionary<string, string> Snapshot()
    {
        var all = HashTree(Repo);
        foreach (var d in Directory.EnumerateDirectories(Repo, "*", SearchOption.AllDirectories))
            all["dir:" + Path.GetRelativePath(Repo, d)] = "";
        return all;
    }

    [Fact]
    public void Explicit_RemovesExactlyTheNamedBackups_RefusingUnknownAndProtectedOnes()
    {
        var ids = MakeBackups(1, 3, 8, 15);
        RecordVerify(ids[1], true, Now.AddDays(-1)); // protected: the newest verified
        var request = new RetentionRequest(Repo) { BackupIds = [ids[2], ids[1], "20000101-000000-000"] };

        var plan = Engine().Run(request);

        Assert.Equal([ids[0], ids[1], ids[3]], Listed());
        Assert.Equal(2, plan.Refusals.Count);
        var notFound = Assert.IsType<BackupNotFoundException>(plan.Refusals.Single(e => e.ErrorId == "BackupNotFound"));
        Assert.Equal("20000101-000000-000", notFound.Target);
        var protectedOne = Assert.IsType<BackupProtectedException>(plan.Refusals.Single(e => e.ErrorId == "BackupProtected"));
        Assert.Equal(ids[1], protectedOne.Target);
        Assert.Contains("-Force", protectedOne.Message);
        Assert.Equal(RetentionRule.Protected, plan.Decisions.Single(d => d.BackupId == ids[1]).Rule);
        Assert.Equal(RetentionRule.NotRequested, plan.Decisions.Single(d => d.BackupId == ids[0]).Rule);
        Assert.False(new RunHistory(Path.Combine(Repo, "state")).Read().Latest[RunOperation.Retention].LastRun!.IsAttempt); // refusals, not a failed run

        Engine().Run(request with { BackupIds = [ids[1]], Force = true });
        Assert.Equal([ids[0], ids[3]], Listed());
    }

    [Fact]
    public void Explicit_WithNothingEverVerified_ProtectsTheNewestCompleteBackup()
    {
        var ids = MakeBackups(1, 3);
        var plan = Engine().Run(new RetentionRequest(Repo) { BackupIds = [ids[0]] });
        Assert.Equal("BackupProtected", Assert.Single(plan.Refusals).ErrorId);
        Assert.Equal(ids, Listed());
    }

    [Fact]
    public void RemovingABackup_NeverAffectsTheBackupsThatShareItsFilesByHardLinks()
    {
        Create(Data, seed: 70);
        var first = Backup().BackupId;
        Mutate(Data, seed: 71, only: [JameyComponent.Database]);
        var second = Backup().BackupId; // the indices did not change: their files are hard links to the first backup's
        var manifest = Repository.LoadManifest(second);
        var shared = manifest.Files.Where(f => f.SharedFrom == first).ToList();
        Assert.NotEmpty(shared);
        var sample = Path.Combine(Repo, "backups", second, shared[0].Stored);
        Assert.Equal(2, LinkCount(sample));
        RecordVerify(second, true, DateTimeOffset.UtcNow);

        var plan = Engine().Run(new RetentionRequest(Repo) { BackupIds = [first] });

        Assert.True(Assert.Single(plan.ToRemove).Removed);
        Assert.Equal([second], Listed());
        Assert.Equal(1, LinkCount(sample));
        var check = new BackupVerifier().Verify(Repository, second, VerificationMode.Full);
        Assert.True(check.Passed, string.Join("; ", check.Problems.Select(p => p.ToString())));
        foreach (var f in shared)
            Assert.Equal(f.StoredSha256, HashFile(Path.Combine(Repo, "backups", second, f.Stored)));
    }

    static int LinkCount(string path)
    {
        if (!OperatingSystem.IsLinux()) return -1;
        var p = Process.Start(new ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Leftovers_TrashAndStagingOfDeadRunsAreCleaned_StagingKeptOnlyWhenAsked()
    {
        var ids = MakeBackups(1, 2);
        var staging = Path.Combine(Repo, "staging", "20300530-000000-000");
        Directory.CreateDirectory(Path.Combine(staging, "files"));
        File.WriteAllText(Path.Combine(staging, "files", "jamey.db.zst"), "half a backup");
        var trash = Path.Combine(Repo, "trash", "20200101-000000-000.0badc0de");
        Directory.CreateDirectory(trash);
        File.WriteAllText(Path.Combine(trash, "manifest.json"), "{}");

        var kept = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 10, CleanIncomplete = false });
        Assert.False(Directory.Exists(trash));
        Assert.True(Directory.Exists(staging));
        var leftover = kept.Decisions.Single(d => d.Status == BackupStatus.Incomplete);
        Assert.Equal(RetentionAction.Keep, leftover.Action);
        Assert.Equal(RetentionRule.Incomplete, leftover.Rule);

        // By default (what Remove-JameyBackup -Retention does): a killed run's staging folder goes.
        var plan = Engine().Plan(new RetentionRequest(Repo) { MaxBackups = 10 });
        Assert.Equal(RetentionAction.Remove, plan.Decisions.Single(d => d.Status == BackupStatus.Incomplete).Action);
        var cleaned = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 10 });
        Assert.False(Directory.Exists(staging));
        Assert.True(cleaned.Decisions.Single(d => d.Status == BackupStatus.Incomplete).Removed);
        Assert.Equal(ids, Listed());
    }

    [Fact]
    public void ABackupDatedInTheFuture_NeverMakesRetentionRemoveTheBackupsAroundIt()
    {
        var ids = MakeBackups(1, 2, 3, 4);
        // The oldest was taken while the clock was wrong: its id and manifest both say two days from now.
        var wrong = Recast(ids[3], Now.AddDays(2));
        var observer = new RecordingObserver();

        var plan = Engine(observer).Run(new RetentionRequest(Repo) { MaxBackups = 1 });

        Assert.Equal([wrong, ids[0]], Listed());
        Assert.Equal(ids[0], plan.NewestCompleteId);
        var future = plan.Decisions.Single(d => d.BackupId == wrong);
        Assert.Equal(RetentionRule.InFuture, future.Rule);
        Assert.Equal(RetentionAction.Keep, future.Action);
        Assert.Equal(RetentionRule.NewestComplete, plan.Decisions.Single(d => d.BackupId == ids[0]).Rule);
        Assert.Contains(observer.Warnings, w => w.Contains(wrong) && w.Contains("ahead of this machine's clock"));

        // Nor does a folder renamed into the future (its manifest keeps the real time): Damaged, counted towards nothing.
        var renamed = Path.Combine(Repo, "backups", "29990101-000000-000");
        Directory.Move(Path.Combine(Repo, "backups", ids[0]), renamed);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(renamed, Manifest.FileName)))!;
        json["backupId"] = "29990101-000000-000";
        File.WriteAllText(Path.Combine(renamed, Manifest.FileName), json.ToJsonString());
        var again = Engine().Plan(new RetentionRequest(Repo) { MaxBackups = 1 });
        Assert.Equal(RetentionRule.Damaged, again.Decisions.Single(d => d.BackupId == "29990101-000000-000").Rule);
        Assert.Empty(again.ToRemove);
    }

    [Fact]
    public void PartialBackups_CountPerComponent_NeverAsTheNewestFullBackup()
    {
        Create(Data, seed: 62, records: 12);
        var fullOld = Backup().BackupId;
        Mutate(Data, seed: 63);
        var full = Backup().BackupId;
        Mutate(Data, seed: 64, only: [JameyComponent.Database]);
        var dbOnly1 = new Jamey3.Engine.Backup.BackupEngine().Run(new Jamey3.Engine.Backup.BackupRequest(Data, Repo) { Components = [JameyComponent.Database] }).BackupId;
        Mutate(Data, seed: 65, only: [JameyComponent.Database]);
        var dbOnly2 = new Jamey3.Engine.Backup.BackupEngine().Run(new Jamey3.Engine.Backup.BackupRequest(Data, Repo) { Components = [JameyComponent.Database] }).BackupId;
        string[] ids = [Recast(dbOnly2, Now.AddHours(-1)), Recast(dbOnly1, Now.AddHours(-2)), Recast(full, Now.AddDays(-1)), Recast(fullOld, Now.AddDays(-2))];

        var plan = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 1 });

        // The newest full backup is what restores the indices: it stays, and so does the newest database backup.
        Assert.Equal([ids[0], ids[2]], Listed());
        Assert.Equal(ids[2], plan.NewestCompleteId);
        Assert.Equal(RetentionRule.NewestOfComponent, plan.Decisions.Single(d => d.BackupId == ids[0]).Rule);
        Assert.Equal(RetentionRule.NewestComplete, plan.Decisions.Single(d => d.BackupId == ids[2]).Rule);
        var older = plan.Decisions.Single(d => d.BackupId == ids[1]);
        Assert.Equal(RetentionRule.ExceedsMaxBackups, older.Rule);
        Assert.Contains("of Database", older.Reason);
    }

    [Fact]
    public void RunningBackup_HoldsTheWriterLock_RetentionWaitsAndNeverTouchesItsStaging()
    {
        var ids = MakeBackups(1, 3, 8);
        var staging = Path.Combine(Repo, "staging", "20300601-115959-000");
        Directory.CreateDirectory(staging);
        using (Repository.AcquireWriter("New-JameyBackup", TimeSpan.FromSeconds(5), default))
        {
            var plan = Engine().Plan(new RetentionRequest(Repo) { MaxBackups = 1, CleanIncomplete = true });
            var running = plan.Decisions.Single(d => d.BackupId == "20300601-115959-000");
            Assert.Equal(BackupStatus.InProgress, running.Status);
            Assert.Equal(RetentionAction.Keep, running.Action);

            var e = Assert.Throws<RepositoryBusyException>(() =>
                Engine().Run(new RetentionRequest(Repo) { MaxBackups = 1, CleanIncomplete = true, LockTimeout = TimeSpan.FromMilliseconds(300) }));
            Assert.Equal("RepositoryBusy", e.ErrorId);
            Assert.Equal(ids, Listed().Where(ids.Contains));
            Assert.True(Directory.Exists(staging));

            var refused = Engine().Plan(new RetentionRequest(Repo) { BackupIds = ["20300601-115959-000"] });
            Assert.Equal("BackupInProgress", Assert.Single(refused.Refusals).ErrorId);
        }
        Engine().Run(new RetentionRequest(Repo) { MaxBackups = 1 });
        Assert.Equal([ids[0]], Listed()); // once the writer is gone, its staging folder is a dead run's leftover
    }

    [Fact]
    public void RemovalStoppedAfterTheRename_LeavesNoBackupListedAsGood_AndTheNextRunCleansTheTrash()
    {
        var ids = MakeBackups(1, 3, 8);
        var engine = new RetentionEngine(null, () => Now)
        {
            StepHook = s => { if (s == $"retention:trashed:{ids[2]}") throw new InvalidOperationException("killed"); },
        };

        Assert.Throws<InvalidOperationException>(() => engine.Run(new RetentionRequest(Repo) { MaxBackups = 2 }));

        Assert.Equal([ids[0], ids[1]], Listed());
        Assert.All(Repository.List(), b => Assert.Equal(BackupStatus.Complete, b.Status));
        Assert.Single(Directory.GetDirectories(Path.Combine(Repo, "trash")));
        var plan = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 2 });
        Assert.Single(plan.TrashLeftovers);
        Assert.Empty(Directory.GetDirectories(Path.Combine(Repo, "trash")));
        Assert.Equal([ids[0], ids[1]], Listed());
    }

    [Fact]
    public void DamagedBackups_AreKeptForSalvage_UntilTheyExceedTheAgeLimit()
    {
        var ids = MakeBackups(1, 5, 50);
        foreach (var id in new[] { ids[1], ids[2] })
            File.Delete(Path.Combine(Repo, "backups", id, Repository.LoadManifest(id).Files[0].StoredParts().First().Stored));

        var plan = Engine().Run(new RetentionRequest(Repo) { MaxBackups = 1, MaxAge = TimeSpan.FromDays(30) });

        Assert.Equal([ids[0], ids[1]], Listed());
        Assert.Equal(RetentionRule.Damaged, plan.Decisions.Single(d => d.BackupId == ids[1]).Rule);
        Assert.Equal(RetentionRule.ExceedsMaxAge, plan.Decisions.Single(d => d.BackupId == ids[2]).Rule);
    }
}
