using Jamey3.Engine.Errors;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Retention;
using Jamey3.Engine.Tests.Restore;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Retention;

/// <summary>Rollback folders left by real restores: listed, measured, kept in check by retention, removed without touching the data.</summary>
public sealed class RollbackFoldersTests : RestoreTestBase
{
    [Fact]
    public void RollbackFolders_AreListed_Measured_AndRemoved_LeavingTheDataAndUnfinishedRestoresAlone()
    {
        Create(Data, seed: 110, records: 10);
        var backup = Backup();
        Mutate(Data, seed: 111);
        var first = new RestoreEngine().Run(Request(backup.BackupId));
        Mutate(Data, seed: 112, only: [JameyComponent.Database]);
        var second = new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Database));
        Assert.NotNull(first.RollbackPath);
        Assert.NotNull(second.RollbackPath);
        // An operation folder that is not committed (what -Recover needs) is never listed nor removed.
        var unfinished = Path.Combine(RestoreEngine.WorkRoot(Data), "unfinished-op");
        Directory.CreateDirectory(Path.Combine(unfinished, "rollback"));
        File.WriteAllText(Path.Combine(unfinished, "rollback", "x"), "replaced data of a restore in flight");
        File.WriteAllText(Path.Combine(unfinished, RestoreJournal.FileName), """{ "format": 1, "operationId": "unfinished-op", "state": "Staged", "components": [] }""");

        var list = RollbackFolders.List(Data);

        Assert.Equal([second.RollbackPath, first.RollbackPath], list.Select(r => r.Path));
        Assert.Equal([JameyComponent.Database], list[0].Components);
        Assert.Equal(6, list[1].Components.Length);
        Assert.All(list, r => Assert.Equal(DiskUsage.Measure(r.Path), r.Size));
        Assert.All(list, r => Assert.Equal(backup.BackupId, r.RestoredBackupId));
        Assert.Equal(list.Sum(r => r.Size), BackupHealth.Read(Repo).RollbackSizeBytes);

        // Retention keeps only the latest restore's undo, and that one only within the age limit.
        var plan = RollbackFolders.Plan(Data, TimeSpan.FromDays(30), DateTimeOffset.UtcNow);
        Assert.Equal([RetentionAction.Keep, RetentionAction.Remove], plan.Select(p => p.Action));
        Assert.Equal(RetentionAction.Remove, RollbackFolders.Plan(Data, TimeSpan.FromDays(1), DateTimeOffset.UtcNow.AddDays(2))[0].Action);

        var dataBefore = HashData(Data);
        var refusals = new List<JameyException>();
        var removed = RollbackFolders.Remove(Data, [list[1].OperationId, "unfinished-op", "nope"], TimeSpan.FromSeconds(5), refusals);

        Assert.Equal([list[1].OperationId], removed.Select(r => r.OperationId));
        Assert.False(Directory.Exists(Path.GetDirectoryName(first.RollbackPath)));
        Assert.True(Directory.Exists(second.RollbackPath));
        Assert.True(File.Exists(Path.Combine(unfinished, "rollback", "x")));
        Assert.Equal(["RollbackNotFound", "RollbackNotFound"], refusals.Select(r => r.ErrorId));
        Assert.Equal(dataBefore, HashData(Data));
        Assert.Equal(list[0].Size, BackupHealth.Read(Repo).RollbackSizeBytes);
    }
}
