using System.Security.Cryptography;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Stores;
using Jamey3.SampleData;
using ZstdSharp;

namespace Jamey3.Engine.Tests.RemoteRetention;

/// <summary>
/// Retention on a remote repository filled by the real copier from real local backups (sample SQLite database and
/// Lucene indices): the policy keeps what it says, removal deletes the manifest then the index, and garbage collection
/// deletes no object a kept backup needs, also while another thread copies into the same repository.
/// </summary>
public abstract class RemoteRetentionTests : IDisposable
{
    protected readonly TempDirectory Dir = new("remote-retention");
    string Repo => Dir.Combine("repo");
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    protected abstract Task<IObjectStore> NewStoreAsync();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    string NewData(int seed)
    {
        var path = Dir.Combine($"data-{seed}");
        if (!Directory.Exists(path)) SampleDataGenerator.Generate(path, 300_000, seed);
        return path;
    }

    JameyBackup Backup(string data) => new BackupEngine().Run(new BackupRequest(data, Repo));

    static async Task CopyAsync(string repo, IObjectStore store, params string[] ids)
    {
        var run = await new RemoteCopier().CopyAsync(new CopyRequest(repo, store) { BackupIds = ids.Length == 0 ? null : ids });
        Assert.Empty(run.Failures);
    }

    static async Task<RemoteRepository> OpenAsync(IObjectStore store) => await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);

    static async Task<List<string>> ListIdsAsync(RemoteRepository repo)
    {
        var ids = new List<string>();
        await foreach (var id in repo.ListBackupIdsAsync()) ids.Add(id);
        return ids.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every object of the backup is there with its stored hash and opens to its part's content hash.</summary>
    static async Task AssertWholeAsync(RemoteRepository repo, string backupId)
    {
        var m = await repo.ReadManifestAsync(backupId);
        await repo.ReadIndexAsync(backupId, m.IndexSha256);
        foreach (var part in m.StoredParts())
        {
            byte[] bytes;
            try
            {
                await using var s = await repo.OpenObjectAsync(part.Object.Name);
                using var ms = new MemoryStream();
                await s.CopyToAsync(ms);
                bytes = ms.ToArray();
            }
            catch (ObjectNotFoundException) { Assert.Fail($"backup {backupId} lost object {part.Object.Name} ({part.File.Path})"); return; }
            Assert.Equal(part.Object.StoredSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            using var plain = part.Object.Compression == CompressionAlgorithm.Zstd
                ? (Stream)new DecompressionStream(new MemoryStream(bytes)) : new MemoryStream(bytes);
            Assert.Equal(part.ContentSha256, Convert.ToHexStringLower(SHA256.HashData(plain)));
        }
    }

    static async Task<HashSet<string>> NeededByAsync(RemoteRepository repo, IEnumerable<string> ids)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids) foreach (var o in (await repo.ReadIndexAsync(id)).Objects) names.Add(o.Name);
        return names;
    }

    [Fact]
    public async Task The_policy_keeps_the_newest_backups_and_their_objects_and_deletes_the_rest_only_after_the_grace_period()
    {
        var b1 = Backup(NewData(1));
        var b2 = Backup(NewData(2));
        var b3 = Backup(NewData(3));
        var b4 = Backup(NewData(3)); // the same data as b3: shares every object
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store);
        var repo = await OpenAsync(store);
        var before = await repo.ListObjectsAsync();

        var retention = new Engine.Remote.RemoteRetention();
        var plan = await retention.PlanAsync(repo, new RemoteRetentionRequest { MaxBackups = 2, GracePeriod = Grace });
        Assert.Equal([b1.BackupId, b2.BackupId], plan.ToRemove.Select(d => d.BackupId).Order());
        Assert.Equal(4, (await ListIdsAsync(repo)).Count); // a plan changes nothing

        var result = await retention.RunAsync(repo, new RemoteRetentionRequest { MaxBackups = 2, GracePeriod = Grace });
        Assert.All(result.Plan.ToRemove, d => Assert.True(d.Removed));
        Assert.Equal([b3.BackupId, b4.BackupId], await ListIdsAsync(repo));
        Assert.False(await store.StatAsync(RemoteLayout.IndexKey(b1.BackupId)) is not null);
        var kept = await NeededByAsync(repo, [b3.BackupId, b4.BackupId]);
        var garbage = before.Keys.Where(n => !kept.Contains(n)).ToHashSet();
        Assert.NotEmpty(garbage);
        Assert.Equal(garbage.Count, result.Garbage!.MarkedObjects);
        Assert.Equal(before.Count, (await repo.ListObjectsAsync()).Count); // nothing deleted within the grace period

        await Task.Delay(Grace + TimeSpan.FromSeconds(1.2));
        var later = await retention.RunAsync(repo, new RemoteRetentionRequest { MaxBackups = 2, GracePeriod = Grace });
        Assert.Empty(later.Plan.ToRemove);
        Assert.True(later.Garbage!.Swept);
        Assert.Equal(garbage.Count, later.Garbage.DeletedObjects);
        Assert.Equal(kept.Order(), (await repo.ListObjectsAsync()).Keys.Order());
        await AssertWholeAsync(repo, b3.BackupId);
        await AssertWholeAsync(repo, b4.BackupId);
    }

    [Fact]
    public async Task Removing_by_id_refuses_the_newest_backup_and_unknown_ids_and_removes_the_named_one()
    {
        var b1 = Backup(NewData(1));
        var b2 = Backup(NewData(2));
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store);
        var repo = await OpenAsync(store);
        var retention = new Engine.Remote.RemoteRetention();
        var result = await retention.RunAsync(repo, new RemoteRetentionRequest { BackupIds = [b1.BackupId, b2.BackupId, "20200101-000000-000"], GracePeriod = Grace });
        Assert.Equal([b1.BackupId], result.Plan.Decisions.Where(d => d.Removed).Select(d => d.BackupId));
        Assert.Contains(result.Plan.Refusals, e => e.ErrorId == JameyErrors.BackupProtected.Id && e.Message.Contains(b2.BackupId));
        Assert.Contains(result.Plan.Refusals, e => e.ErrorId == JameyErrors.BackupNotFound.Id && e.Message.Contains("20200101-000000-000"));
        Assert.Equal([b2.BackupId], await ListIdsAsync(repo));
        var forced = await retention.RunAsync(repo, new RemoteRetentionRequest { BackupIds = [b2.BackupId], Force = true, GracePeriod = Grace });
        Assert.True(forced.Plan.Decisions.Single().Removed);
        Assert.Empty(await ListIdsAsync(repo));
    }

    /// <summary>
    /// The dangerous case, three ways: the destination holds b1 (data A), b2 and b3 (data B). Retention keeping one
    /// backup removes b1, whose objects become garbage and are swept with no grace at all, in a loop on another thread
    /// with its own store client, while the copier sends b4, which holds data A again and so reuses exactly those
    /// objects. Trial 0 lets both run freely; in trial 1 retention starts only once the copier has listed what exists
    /// (so it will reuse A's objects) and runs several times before the copier goes on: the sweep must see the lease
    /// and stop; in trial 2 the sweeper, past its lease check, waits until the copier has written its lease, then
    /// deletes: the copier must see the sweep record and not trust its listing. Every backup listed at the end has
    /// all its objects, hashing right.
    /// </summary>
    [Fact]
    public async Task Retention_with_no_grace_never_deletes_what_a_concurrent_copy_reuses()
    {
        var dataA = NewData(1);
        var dataB = NewData(2);
        var b1 = Backup(dataA);
        var b2 = Backup(dataB);
        var b3 = Backup(dataB);
        for (int trial = 0; trial < 3; trial++)
        {
            var b4 = Backup(dataA);
            await using var store = await NewStoreAsync();
            await CopyAsync(Repo, store, b1.BackupId, b2.BackupId, b3.BackupId);
            var repo = await OpenAsync(store);
            var objectsOfA = await NeededByAsync(repo, [b1.BackupId]);

            using var done = new CancellationTokenSource();
            var startRetention = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sweeperPaused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var copierLeased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runsWhileListed = new SemaphoreSlim(0);
            if (trial != 1) startRetention.SetResult();
            int sweeps = 0, refused = 0, runs = 0;
            var retentionLoop = Task.Run(async () =>
            {
                await startRetention.Task;
                await using var other = await ReopenAsync(store);
                var otherRepo = await OpenAsync(other);
                var retention = new Engine.Remote.RemoteRetention
                {
                    GcStepHook = step =>
                    {
                        if (trial != 2 || step != "gc:leases-checked" || sweeperPaused.Task.IsCompleted) return;
                        sweeperPaused.SetResult();
                        Assert.True(copierLeased.Task.Wait(TimeSpan.FromSeconds(60)), "the copier never wrote its lease");
                    },
                };
                while (!done.IsCancellationRequested)
                {
                    var r = await retention.RunAsync(otherRepo, new RemoteRetentionRequest { MaxBackups = 1, GracePeriod = TimeSpan.Zero });
                    if (r.Garbage!.Swept) Interlocked.Increment(ref sweeps);
                    if (r.Garbage.SweepSkipped is not null) refused++;
                    Interlocked.Increment(ref runs);
                    runsWhileListed.Release();
                    await Task.Delay(20);
                }
            });
            if (trial == 2) await sweeperPaused.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var copier = new RemoteCopier
            {
                StepHook = step =>
                {
                    if (step == "leased") copierLeased.TrySetResult();
                    if (trial == 1 && step == "listed" && !startRetention.Task.IsCompleted)
                    {
                        startRetention.SetResult();
                        for (int i = 0; i < 3; i++) Assert.True(runsWhileListed.Wait(TimeSpan.FromSeconds(60)), "retention did not run");
                    }
                },
            };
            var run = await Task.Run(() => copier.CopyAsync(new CopyRequest(Repo, store) { BackupIds = [b4.BackupId] }));
            Assert.Empty(run.Failures);
            // Two whole retention runs that began after b4 was published (they remove b3), and one sweep at least: a fast
            // copy may have ended before the loop swept anything.
            int target = Volatile.Read(ref runs) + 2;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((Volatile.Read(ref runs) < target || Volatile.Read(ref sweeps) == 0) && DateTime.UtcNow < deadline && !retentionLoop.IsCompleted)
                await Task.Delay(50);
            done.Cancel();
            await retentionLoop;

            var listed = await ListIdsAsync(repo);
            Assert.Equal([b4.BackupId], listed); // b1..b3 removed by the policy, b4 published
            foreach (var id in listed) await AssertWholeAsync(repo, id);
            Assert.True(sweeps > 0, $"trial {trial}: the loop never swept ({runs} runs): the test exercised nothing");
            if (trial == 1) Assert.True(refused > 0, "trial 1: the sweep never met the copy's lease");
            // The hazard was real: b4 reuses objects that only b1 needed before (and AssertWholeAsync found them all).
            var reused = objectsOfA.Intersect(await NeededByAsync(repo, [b4.BackupId])).ToHashSet();
            Assert.True(reused.Count > objectsOfA.Count / 2, $"b4 reuses only {reused.Count} of b1's {objectsOfA.Count} objects");
            var present = (await repo.ListObjectsAsync()).Keys.ToHashSet();
            var missing = reused.Where(n => !present.Contains(n)).ToList();
            Assert.True(missing.Count == 0, $"trial {trial}: {missing.Count} of {reused.Count} reused objects are not listed under data/ " +
                $"(stat: {string.Join(", ", await Task.WhenAll(missing.Take(3).Select(async n => $"{n}={(await store.StatAsync(RemoteLayout.ObjectKey(n)))?.Size}")))})");
        }
    }

    /// <summary>A second client on the same place (a store is not shared between the two "hosts").</summary>
    protected abstract Task<IObjectStore> ReopenAsync(IObjectStore store);
}

public sealed class LocalFolderRemoteRetentionTests : RemoteRetentionTests
{
    protected override Task<IObjectStore> NewStoreAsync() => Task.FromResult(ObjectStores.Open(Dir.Combine("dest-" + Guid.NewGuid().ToString("N"))));
    protected override Task<IObjectStore> ReopenAsync(IObjectStore store) => Task.FromResult(ObjectStores.Open(store.Location));
}

public sealed class AzureRemoteRetentionTests(AzuriteFixture azurite) : RemoteRetentionTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/retention/{Guid.NewGuid():N}", azurite.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    protected override Task<IObjectStore> ReopenAsync(IObjectStore store) => Task.FromResult(ObjectStores.Open(store.Location, azurite.Options(pageSize: 50)));
}

public sealed class S3RemoteRetentionTests(S3rverFixture s3rver) : RemoteRetentionTests, IClassFixture<S3rverFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"s3://retention/{Guid.NewGuid():N}", s3rver.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    protected override Task<IObjectStore> ReopenAsync(IObjectStore store) => Task.FromResult(ObjectStores.Open(store.Location, s3rver.Options(pageSize: 50)));
}
