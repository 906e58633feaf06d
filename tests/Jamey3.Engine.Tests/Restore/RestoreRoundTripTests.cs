using Jamey3.Engine.Data;
using Jamey3.Engine.History;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Snapshots;
using Lucene.Net.Index;
using Lucene.Net.Store;
using static Jamey3.Engine.Tests.Restore.JameyTestData;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Tests.Restore;

public sealed class RestoreRoundTripTests : RestoreTestBase
{
    [Theory]
    [InlineData(CompressionAlgorithm.Zstd)]
    [InlineData(CompressionAlgorithm.None)]
    public void WholeRestore_BringsBackEveryRowAndDocumentAsOfTheBackup(CompressionAlgorithm compression)
    {
        Create(Data, seed: 1);
        var rowsAtBackup = DumpRows(Data);
        var docsAtBackup = Layers.ToDictionary(l => l, l => DumpIndex(DataLayout.FullPath(Data, l)));
        var backup = Backup(compression: compression);
        Mutate(Data, seed: 2);
        var rowsBefore = DumpRows(Data);
        Assert.NotEqual(rowsAtBackup, rowsBefore);

        var result = new RestoreEngine().Run(Request(backup.BackupId));

        Assert.Equal(rowsAtBackup, DumpRows(Data));
        foreach (var layer in Layers) Assert.Equal(docsAtBackup[layer], DumpIndex(DataLayout.FullPath(Data, layer)));
        AssertHealthy(Data);

        Assert.Equal(backup.BackupId, result.BackupId);
        Assert.Equal(DataLayout.All, result.Components);
        Assert.Equal(Path.GetFullPath(Data), result.Destination);
        Assert.True(result.Verified);
        Assert.Empty(result.Problems);
        Assert.True(result.BytesRestored > 0);
        Assert.NotNull(result.RollbackPath);
        Assert.Equal(rowsBefore, DumpRows(result.RollbackPath!)); // the replaced data is kept, intact
        var ops = OperationFolders();
        Assert.Single(ops);
        Assert.False(Directory.Exists(Path.Combine(ops[0], "new")));

        var history = new RunHistory(Path.Combine(Repo, "state")).Read();
        Assert.Equal(backup.BackupId, history.Latest[RunOperation.Restore].LastSuccess?.BackupId);
    }

    [Fact]
    public void SampleDataset_AfterTheSimulatedJameyKeptWriting_RestoresToTheBackup()
    {
        global::Jamey3.SampleData.SampleDataGenerator.Generate(Data, 1_500_000, seed: 14);
        var rowsAtBackup = DumpRows(Data);
        var docsAtBackup = Layers.ToDictionary(l => l, l => DumpIndex(DataLayout.FullPath(Data, l)));
        var backup = Backup();
        using (var jamey = new global::Jamey3.SampleData.JameyWriterSimulator(Data, seed: 15))
            for (int i = 0; i < 40; i++) jamey.Tick();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.NotEqual(rowsAtBackup, DumpRows(Data));

        new RestoreEngine().Run(Request(backup.BackupId));

        Assert.Equal(rowsAtBackup, DumpRows(Data));
        foreach (var layer in Layers) Assert.Equal(docsAtBackup[layer], DumpIndex(DataLayout.FullPath(Data, layer)));
        AssertHealthy(Data);
    }

    [Fact]
    public void ComponentRestore_LeavesEveryOtherComponentByteForByte()
    {
        Create(Data, seed: 3);
        var rowsAtBackup = DumpRows(Data);
        var longTermAtBackup = DumpIndex(DataLayout.FullPath(Data, JameyComponent.LongTerm));
        var backup = Backup();
        Mutate(Data, seed: 4);
        var before = DataLayout.All.ToDictionary(c => c, c => HashComponent(Data, c));

        var result = new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.LongTerm, JameyComponentSelector.Database));

        Assert.Equal([JameyComponent.Database, JameyComponent.LongTerm], result.Components);
        Assert.Equal(rowsAtBackup, DumpRows(Data));
        Assert.Equal(longTermAtBackup, DumpIndex(DataLayout.FullPath(Data, JameyComponent.LongTerm)));
        foreach (var c in DataLayout.All.Except(result.Components))
            Assert.Equal(before[c], HashComponent(Data, c));
        AssertHealthy(Data);
    }

    [Fact]
    public void MemorySelector_RestoresTheFiveLayersAndNotTheDatabase()
    {
        Create(Data, seed: 5);
        var docsAtBackup = Layers.ToDictionary(l => l, l => DumpIndex(DataLayout.FullPath(Data, l)));
        var backup = Backup();
        Mutate(Data, seed: 6);
        var dbBefore = HashComponent(Data, JameyComponent.Database);

        var result = new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Memory));

        Assert.Equal(Layers, result.Components);
        foreach (var layer in Layers) Assert.Equal(docsAtBackup[layer], DumpIndex(DataLayout.FullPath(Data, layer)));
        Assert.Equal(dbBefore, HashComponent(Data, JameyComponent.Database));
    }

    [Fact]
    public void RestoreIntoDestination_DoesNotTouchTheLiveData()
    {
        Create(Data, seed: 7);
        var rowsAtBackup = DumpRows(Data);
        var backup = Backup();
        Mutate(Data, seed: 8);
        var live = HashData(Data);
        var elsewhere = Path.Combine(Root, "elsewhere", "restored");

        var result = new RestoreEngine().Run(Request(backup.BackupId) with { Destination = elsewhere });

        Assert.Equal(live, HashData(Data));
        Assert.False(Directory.Exists(RestoreEngine.WorkRoot(Data)));
        Assert.Equal(Path.GetFullPath(elsewhere), result.Destination);
        Assert.Null(result.RollbackPath); // nothing was replaced
        Assert.Equal(rowsAtBackup, DumpRows(elsewhere));
        AssertHealthy(elsewhere);
        Assert.Empty(OperationFolders(elsewhere));
    }

    [Fact]
    public void Plan_DescribesTheRestoreAndChangesNothing()
    {
        Create(Data, seed: 9);
        var backup = Backup();
        Mutate(Data, seed: 10);
        var before = HashData(Data);
        var elsewhere = Path.Combine(Root, "not-yet");

        var plan = new RestoreEngine().Plan(Request(backup.BackupId, JameyComponentSelector.Database, JameyComponentSelector.Semantic));
        var planElsewhere = new RestoreEngine().Plan(Request(backup.BackupId) with { Destination = elsewhere });

        Assert.Equal(backup.BackupId, plan.BackupId);
        Assert.Equal(backup.Timestamp, plan.BackupTimestamp);
        Assert.Equal(BackupStatus.Complete, plan.BackupStatus);
        Assert.Equal([JameyComponent.Database, JameyComponent.Semantic], plan.Items.Select(i => i.Component));
        Assert.All(plan.Items, i => Assert.True(i.ReplacesExisting));
        Assert.Equal(Path.Combine(Path.GetFullPath(Data), "jamey.db"), plan.Items[0].TargetPath);
        Assert.NotNull(plan.Items[0].RowCounts);
        Assert.NotNull(plan.Items[1].DocumentCount);
        Assert.Equal(6, planElsewhere.Items.Length);
        Assert.All(planElsewhere.Items, i => Assert.False(i.ReplacesExisting));

        Assert.Equal(before, HashData(Data));
        Assert.False(Directory.Exists(RestoreEngine.WorkRoot(Data)));
        Assert.False(Directory.Exists(elsewhere));
    }

    [Fact]
    public void UnknownBackupOrMissingComponent_IsRefusedWithATypedError()
    {
        Create(Data, seed: 11);
        var backup = new global::Jamey3.Engine.Backup.BackupEngine().Run(new global::Jamey3.Engine.Backup.BackupRequest(Data, Repo) { Components = [JameyComponent.Database] });

        var notFound = Assert.Throws<Errors.BackupNotFoundException>(() => new RestoreEngine().Run(Request("20990101-000000-000")));
        Assert.Equal("BackupNotFound", notFound.ErrorId);
        var missing = Assert.Throws<ComponentNotInBackupException>(() => new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Working)));
        Assert.Equal("ComponentNotInBackup", missing.ErrorId);
        Assert.Equal(Errors.JameyErrorKind.InvalidArgument, missing.Kind);

        // No components named: everything the backup has, which is only the database here.
        var result = new RestoreEngine().Run(Request(backup.BackupId));
        Assert.Equal([JameyComponent.Database], result.Components);
    }

    [Fact]
    public void Cancellation_DuringExtraction_LeavesTheTargetUnchanged()
    {
        Create(Data, seed: 12);
        var backup = Backup();
        Mutate(Data, seed: 13);
        var before = HashData(Data);
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { OnProgress = p => { if (p.ItemIndex >= 2) cts.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => new RestoreEngine(observer).Run(Request(backup.BackupId), cts.Token));

        Assert.Equal(before, HashData(Data));
        Assert.Empty(OperationFolders());
        var history = new RunHistory(Path.Combine(Repo, "state")).Read();
        Assert.Equal(RunOutcome.Cancelled, history.Latest[RunOperation.Restore].LastRun?.Outcome);
        Assert.Equal("cancelled", history.Latest[RunOperation.Restore].LastRun?.Error);
    }

    [Fact]
    public void AnotherRestoreIntoTheSameFolder_IsRefused_AndRecoveryWaitsForIt()
    {
        Create(Data, seed: 16);
        var backup = Backup();
        var before = HashData(Data);
        using (global::Jamey3.Engine.Repository.RepositoryLock.Acquire(RestoreEngine.WorkRoot(Data), Data, "another restore", TimeSpan.FromSeconds(5), default))
        {
            var e = Assert.Throws<RestoreInProgressException>(() => new RestoreEngine().Run(Request(backup.BackupId) with { LockTimeout = TimeSpan.FromMilliseconds(300) }));
            Assert.Equal("RestoreInProgress", e.ErrorId);
            Assert.Equal(Errors.JameyErrorKind.Busy, e.Kind);
            Assert.Contains("another restore", e.Message);
            Assert.Throws<RestoreInProgressException>(() => RestoreEngine.Recover(Data, null, TimeSpan.FromMilliseconds(300)));
        }
        Assert.Equal(before, HashData(Data));
        new RestoreEngine().Run(Request(backup.BackupId));
    }

    [Fact]
    public void KeepRollbackFalse_LeavesNoOperationFolder()
    {
        Create(Data, seed: 17);
        var backup = Backup();
        Mutate(Data, seed: 18);
        var result = new RestoreEngine().Run(Request(backup.BackupId) with { KeepRollback = false });
        Assert.Null(result.RollbackPath);
        Assert.Empty(OperationFolders());
        AssertHealthy(Data);
    }

    /// <summary>A data directory Jamey can open: a lone WAL-mode database that passes integrity_check, indices that pass CheckIndex.</summary>
    internal static void AssertHealthy(string dataPath)
    {
        var db = Path.Combine(dataPath, DataLayout.DatabaseFile);
        Assert.Empty(SqliteSnapshot.IntegrityCheck(db, default));
        Assert.Equal("wal", SqliteSnapshot.ReadHeaderJournalMode(db));
        Assert.False(File.Exists(db + "-wal"), "a -wal file sits beside the restored database");
        Assert.False(File.Exists(db + "-shm"), "a -shm file sits beside the restored database");
        foreach (var layer in Layers)
        {
            using var dir = new SimpleFSDirectory(new DirectoryInfo(DataLayout.FullPath(dataPath, layer)), NoLockFactory.GetNoLockFactory());
            var status = new CheckIndex(dir).DoCheckIndex();
            Assert.True(status.Clean, $"{layer} fails CheckIndex");
        }
    }
}
