using System.Security.Cryptography;
using System.Text.Json;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Stores;

namespace Jamey3.Engine.Tests.RemoteRetention;

/// <summary>
/// The two-phase garbage collection against each real store: objects no index needs are marked, deleted only by a
/// later run after the grace period, never while an unexpired copy lease exists, never when still (or again) needed.
/// The backups here are indexes and manifest keys written as the copy writes them (the collector reads nothing else);
/// RemoteRetentionTests use real copied backups.
/// </summary>
public abstract class RemoteGcTests
{
    protected abstract Task<IObjectStore> NewStoreAsync();

    /// <summary>Short, but above the second-granular timestamps S3 and Azure give listings.</summary>
    protected static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    static readonly TimeSpan PastGrace = TimeSpan.FromSeconds(3.2);

    static byte[] Content(int seed) { var b = new byte[1000 + seed]; new Random(seed).NextBytes(b); return b; }
    static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    static async Task<string> PutObjectAsync(RemoteRepository repo, int seed)
    {
        var bytes = Content(seed);
        var name = Sha(bytes);
        await repo.PutAsync(RemoteLayout.ObjectKey(name), bytes, createOnly: true, default);
        return name;
    }

    /// <summary>Publishes a backup that needs <paramref name="names"/>: index, then manifest key (as the copy does).</summary>
    static async Task PublishAsync(RemoteRepository repo, string backupId, params string[] names)
    {
        var index = new RemoteIndex
        {
            BackupId = backupId, CreatedAt = DateTimeOffset.UtcNow,
            Objects = names.Select(n => new RemoteIndexEntry(n, 1000, n)).ToList(),
        };
        await repo.PutAsync(RemoteLayout.IndexKey(backupId), index.ToJson(), createOnly: true, default);
        await repo.PutAsync(RemoteLayout.ManifestKey(backupId), "{}"u8.ToArray(), createOnly: true, default);
    }

    static async Task UnpublishAsync(RemoteRepository repo, string backupId)
    {
        await repo.Store.DeleteAsync(RemoteLayout.ManifestKey(backupId));
        await repo.Store.DeleteAsync(RemoteLayout.IndexKey(backupId));
    }

    static async Task<bool> ExistsAsync(RemoteRepository repo, string name) => await repo.Store.StatAsync(RemoteLayout.ObjectKey(name)) is not null;

    static async Task<List<string>> KeysAsync(RemoteRepository repo, string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in repo.Store.ListAsync(prefix)) keys.Add(o.Key);
        return keys;
    }

    async Task<RemoteRepository> NewRepositoryAsync(IObjectStore store) =>
        await RemoteRepository.OpenOrCreateAsync(store, PlainObjectCodec.Instance);

    [Fact]
    public async Task Unneeded_objects_are_deleted_after_the_grace_period_and_not_before_and_needed_ones_never()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var a = await PutObjectAsync(repo, 1);
        var b = await PutObjectAsync(repo, 2);
        var c = await PutObjectAsync(repo, 3);
        await PublishAsync(repo, "20250101-000000-000", a);
        var gc = new RemoteGarbageCollector();

        var first = await gc.RunAsync(repo, Grace);
        Assert.Equal(2, first.MarkedObjects);
        Assert.False(first.Swept);
        Assert.Single(await KeysAsync(repo, RemoteLayout.GcPrefix));
        // Within the grace period: nothing is deleted, and nothing is marked twice.
        var again = await gc.RunAsync(repo, Grace);
        Assert.Equal(0, again.DeletedObjects);
        Assert.Equal(0, again.MarkedObjects);
        Assert.True(await ExistsAsync(repo, b) && await ExistsAsync(repo, c));

        await Task.Delay(PastGrace);
        // A backup published after phase 1 uses c: the sweep keeps it.
        await PublishAsync(repo, "20250102-000000-000", a, c);
        var sweep = await gc.RunAsync(repo, Grace);
        Assert.True(sweep.Swept);
        Assert.Equal(1, sweep.DeletedObjects);
        Assert.Equal(1, sweep.KeptAgain);
        Assert.False(await ExistsAsync(repo, b));
        Assert.True(await ExistsAsync(repo, a) && await ExistsAsync(repo, c));
        Assert.Empty(await KeysAsync(repo, RemoteLayout.GcPrefix)); // records swept, no .deleting left, nothing new to mark

        // The backup using c goes: c is marked afresh, and deleted only a grace period later.
        await UnpublishAsync(repo, "20250102-000000-000");
        var mark = await gc.RunAsync(repo, Grace);
        Assert.Equal(1, mark.MarkedObjects);
        Assert.True(await ExistsAsync(repo, c));
        await Task.Delay(PastGrace);
        var last = await gc.RunAsync(repo, Grace);
        Assert.Equal(1, last.DeletedObjects);
        Assert.False(await ExistsAsync(repo, c));
        Assert.True(await ExistsAsync(repo, a));
    }

    [Fact]
    public async Task The_sweep_stops_while_an_unexpired_copy_lease_exists_and_runs_once_it_expired()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var garbage = await PutObjectAsync(repo, 4);
        var gc = new RemoteGarbageCollector();
        await gc.RunAsync(repo, Grace);
        await Task.Delay(PastGrace);

        var lease = new RemoteLease
        {
            CopyId = "20250101-000000-abcdef", Host = "other-host", ProcessId = 1,
            StartedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow + RemoteLease.Duration,
        };
        await repo.WriteLeaseAsync(lease);
        var refused = await gc.RunAsync(repo, Grace);
        Assert.False(refused.Swept);
        Assert.Contains("copy is in progress", refused.SweepSkipped);
        Assert.True(await ExistsAsync(repo, garbage));
        Assert.Empty(await repo.ListGcRecordsAsync(RemoteLayout.DeletingSuffix)); // the sweep's record is gone again

        // A lease nobody renewed (its copier died) no longer protects anything.
        await repo.RenewLeaseAsync(lease with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        var swept = await gc.RunAsync(repo, Grace);
        Assert.True(swept.Swept);
        Assert.False(await ExistsAsync(repo, garbage));
    }

    [Fact]
    public async Task An_unreadable_lease_counts_as_live_and_another_sweep_in_progress_is_waited_for()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var garbage = await PutObjectAsync(repo, 5);
        var gc = new RemoteGarbageCollector();
        await gc.RunAsync(repo, Grace);
        await Task.Delay(PastGrace);

        await repo.PutAsync(RemoteLayout.CopyLeasePrefix + "20250101-000000-000000", "not json"u8.ToArray(), createOnly: true, default);
        Assert.Contains("copy is in progress", (await gc.RunAsync(repo, Grace)).SweepSkipped);
        await repo.Store.DeleteAsync(RemoteLayout.CopyLeasePrefix + "20250101-000000-000000");

        // Another host's sweep record, unexpired: this run does not sweep beside it.
        var other = new RemoteGcDeleting { GcId = "x", Host = "other", StartedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(30) };
        await repo.PutAsync(RemoteLayout.GcPrefix + "20250101-000000-000-other" + RemoteLayout.DeletingSuffix,
            JsonSerializer.SerializeToUtf8Bytes(other, RemoteJson.Options), createOnly: true, default);
        Assert.Contains("another sweep", (await gc.RunAsync(repo, Grace)).SweepSkipped);
        Assert.True(await ExistsAsync(repo, garbage));

        // Expired (its sweeper died): removed, and the sweep runs.
        await repo.PutAsync(RemoteLayout.GcPrefix + "20250101-000000-000-other" + RemoteLayout.DeletingSuffix,
            JsonSerializer.SerializeToUtf8Bytes(other with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) }, RemoteJson.Options), createOnly: false, default);
        var observer = new RecordingObserver();
        var swept = await new RemoteGarbageCollector(observer).RunAsync(repo, Grace);
        Assert.True(swept.Swept);
        Assert.False(await ExistsAsync(repo, garbage));
        Assert.Contains(observer.Warnings, w => w.Contains("did not finish"));
        Assert.Empty(await repo.ListGcRecordsAsync(RemoteLayout.DeletingSuffix));
    }

    [Fact]
    public async Task An_unreadable_index_stops_the_collection_and_deletes_nothing()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var needed = await PutObjectAsync(repo, 6);
        var garbage = await PutObjectAsync(repo, 7);
        await PublishAsync(repo, "20250101-000000-000", needed);
        var gc = new RemoteGarbageCollector();
        await gc.RunAsync(repo, Grace);
        await Task.Delay(PastGrace);
        await repo.PutAsync(RemoteLayout.IndexKey("20250101-000000-000"), "{ broken"u8.ToArray(), createOnly: false, default);

        var e = await Assert.ThrowsAsync<JameyException>(() => gc.RunAsync(repo, Grace));
        Assert.Equal(JameyErrors.RemoteIndexUnreadable.Id, e.ErrorId);
        Assert.Contains("20250101-000000-000", e.Message);
        Assert.True(await ExistsAsync(repo, needed) && await ExistsAsync(repo, garbage));
        Assert.Empty(await repo.ListGcRecordsAsync(RemoteLayout.DeletingSuffix));

        // Same for a manifest without an index.
        await repo.Store.DeleteAsync(RemoteLayout.IndexKey("20250101-000000-000"));
        e = await Assert.ThrowsAsync<JameyException>(() => gc.RunAsync(repo, Grace));
        Assert.Equal(JameyErrors.RemoteIndexUnreadable.Id, e.ErrorId);
        Assert.True(await ExistsAsync(repo, needed));
    }

    [Fact]
    public async Task An_index_left_without_its_manifest_keeps_its_objects_until_it_is_older_than_the_grace_period()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var o = await PutObjectAsync(repo, 8);
        await PublishAsync(repo, "20250101-000000-000", o);
        // A removal killed between the manifest and the index (or a copy between the index and the manifest).
        await repo.Store.DeleteAsync(RemoteLayout.ManifestKey("20250101-000000-000"));
        var gc = new RemoteGarbageCollector();
        Assert.Equal(0, (await gc.RunAsync(repo, Grace)).MarkedObjects); // phase 1 counts every index

        // A sweep needs a due record: mark something else, then wait.
        var other = await PutObjectAsync(repo, 9);
        await gc.RunAsync(repo, Grace);
        await Task.Delay(PastGrace);
        var sweep = await gc.RunAsync(repo, Grace);
        Assert.True(sweep.Swept);
        Assert.Equal(1, sweep.OrphanIndexesDeleted);
        Assert.False(await ExistsAsync(repo, other));
        Assert.True(await ExistsAsync(repo, o)); // not marked yet: the orphan's objects go a grace period later
        Assert.Equal(1, sweep.MarkedObjects);
        await Task.Delay(PastGrace);
        await gc.RunAsync(repo, Grace);
        Assert.False(await ExistsAsync(repo, o));
    }

    [Fact]
    public async Task A_negative_grace_period_is_refused()
    {
        await using var store = await NewStoreAsync();
        var repo = await NewRepositoryAsync(store);
        var e = await Assert.ThrowsAsync<JameyException>(() => new RemoteGarbageCollector().RunAsync(repo, TimeSpan.FromSeconds(-1)));
        Assert.Equal(JameyErrors.InvalidGracePeriod.Id, e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidArgument, e.Kind);
    }
}

public sealed class LocalFolderGcTests : RemoteGcTests, IDisposable
{
    readonly TempDirectory _dir = new("remote-gc");
    protected override Task<IObjectStore> NewStoreAsync() => Task.FromResult(ObjectStores.Open(_dir.Combine(Guid.NewGuid().ToString("N"))));
    public void Dispose() => _dir.Dispose();
}

public sealed class AzureGcTests(AzuriteFixture azurite) : RemoteGcTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/remotegc/{Guid.NewGuid():N}", azurite.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class S3GcTests(S3rverFixture s3rver) : RemoteGcTests, IClassFixture<S3rverFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"s3://remotegc/{Guid.NewGuid():N}", s3rver.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}
