using Jamey3.Engine.Backup;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.SampleData;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Tests.RemoteRead;
using Jamey3.Engine.Tests.Stores;

namespace Jamey3.Engine.Tests.Remote;

/// <summary>
/// Issue 9 end to end against real stores: an object altered at the destination (same size) is named by the full and
/// the sampled check, which leave a damage report; the next plain copy (no -Repair) replaces it and removes the report.
/// </summary>
public abstract class RemoteDamageRepairTests : IDisposable
{
    protected readonly TempDirectory Dir = new("damage");
    string Repo => Dir.Combine("repo");

    protected abstract (StoreLocation Location, ObjectStoreOptions? Options) NewLocation();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    static async Task<List<string>> ReportKeysAsync(IObjectStore store)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync(RemoteLayout.DamagePrefix)) keys.Add(o.Key);
        return keys;
    }

    [Fact]
    public async Task An_object_altered_at_the_destination_is_reported_by_a_check_and_replaced_by_the_next_plain_copy()
    {
        var data = Dir.Combine("data");
        SampleDataGenerator.Generate(data, 300_000, 9);
        var backup = new BackupEngine().Run(new BackupRequest(data, Repo));
        var (location, options) = NewLocation();
        await using (var store = ObjectStores.Open(location, options))
        {
            await store.EnsureExistsAsync(create: true);
            Assert.Empty((await new RemoteCopier().CopyAsync(new CopyRequest(Repo, store))).Failures);
        }
        var manifest = new BackupRepository(Repo).LoadManifest(backup.BackupId);
        var file = manifest.Files.First(f => f.StoredSize > 100);
        var sha = file.Chunks is null ? file.Sha256 : file.Chunks[0].Sha256;
        var key = RemoteLayout.ObjectKey(sha);

        await using (var source = await RemoteBackupSource.OpenAsync(location, options))
        {
            var bytes = await RemoteTestRepository.ReadAsync(source.Store, key);
            bytes[bytes.Length / 2] ^= 0x5a; // same size: only the hashes can tell
            await RemoteTestRepository.ReplaceAsync(source.Store, key, bytes);

            var full = new RemoteVerifier().Verify(source, backup.BackupId, VerificationMode.Full);
            Assert.False(full.Passed);
            Assert.Contains(full.Problems, x => x.Message.Contains(key));
            var sampled = new RemoteVerifier().Verify(source, backup.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100));
            Assert.False(sampled.Passed);
            Assert.Contains(sampled.Problems, x => x.Message.Contains(key));

            var reports = await ReportKeysAsync(source.Store);
            Assert.Equal(2, reports.Count); // one per failed check
            var report = RemoteDamageReport.TryParse(await RemoteTestRepository.ReadAsync(source.Store, reports[0]))!;
            Assert.Equal(backup.BackupId, report.BackupId);
            Assert.Equal([sha], report.Objects); // names only
        }

        await using (var store = ObjectStores.Open(location, options))
        {
            var run = await new RemoteCopier().CopyAsync(new CopyRequest(Repo, store)); // plain: no -Repair, no suspects given
            Assert.Empty(run.Failures);
            Assert.Equal(1, Assert.Single(run.Results).ObjectsRepaired);
            Assert.Empty(await ReportKeysAsync(store));
        }

        await using (var source = await RemoteBackupSource.OpenAsync(location, options))
        {
            Assert.True(new RemoteVerifier().Verify(source, backup.BackupId, VerificationMode.Full).Passed);
            Assert.True(new RemoteVerifier().Verify(source, backup.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100)).Passed);
            Assert.Empty(await ReportKeysAsync(source.Store));
        }
    }
}

public sealed class LocalFolderDamageRepairTests : RemoteDamageRepairTests
{
    protected override (StoreLocation, ObjectStoreOptions?) NewLocation() => (StoreLocation.Parse(Dir.Combine("dest")), null);

    [Fact]
    public async Task A_report_naming_another_backups_object_is_kept_while_it_is_damaged_and_removed_once_it_reads_back_intact()
    {
        var repo = Dir.Combine("repo");
        SampleDataGenerator.Generate(Dir.Combine("d1"), 200_000, 11);
        SampleDataGenerator.Generate(Dir.Combine("d2"), 200_000, 12);
        var b1 = new BackupEngine().Run(new BackupRequest(Dir.Combine("d1"), repo));
        var b2 = new BackupEngine().Run(new BackupRequest(Dir.Combine("d2"), repo));
        var local = new BackupRepository(repo);
        var inB2 = local.LoadManifest(b2.BackupId).Files.SelectMany(f => f.Chunks?.Select(c => c.Sha256) ?? [f.Sha256]).ToHashSet();
        var sha = local.LoadManifest(b1.BackupId).Files.SelectMany(f => f.Chunks?.Select(c => c.Sha256) ?? [f.Sha256]).First(x => !inB2.Contains(x));
        var key = RemoteLayout.ObjectKey(sha);
        var location = StoreLocation.Parse(Dir.Combine("dest2"));
        await using var store = ObjectStores.Open(location);
        Assert.Empty((await new RemoteCopier().CopyAsync(new CopyRequest(repo, store) { BackupIds = [b1.BackupId] })).Failures);
        var original = await RemoteTestRepository.ReadAsync(store, key);
        var altered = (byte[])original.Clone();
        altered[altered.Length / 2] ^= 0x5a;
        await RemoteTestRepository.ReplaceAsync(store, key, altered);
        await using (var source = await RemoteBackupSource.OpenAsync(location))
            Assert.False(new RemoteVerifier().Verify(source, b1.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100)).Passed);
        var report = Assert.Single(await ListReportsAsync(store));

        // A copy of the other backup only: the named object is read back, still damaged, and the report stays.
        Assert.Empty((await new RemoteCopier().CopyAsync(new CopyRequest(repo, store) { BackupIds = [b2.BackupId] })).Failures);
        Assert.Equal([report], await ListReportsAsync(store));

        // Put right some other way: the next copy reads it back intact and removes the report.
        await RemoteTestRepository.ReplaceAsync(store, key, original);
        Assert.Empty((await new RemoteCopier().CopyAsync(new CopyRequest(repo, store) { BackupIds = [b2.BackupId] })).Failures);
        Assert.Empty(await ListReportsAsync(store));
    }

    static async Task<List<string>> ListReportsAsync(IObjectStore store)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync(RemoteLayout.DamagePrefix)) keys.Add(o.Key);
        return keys;
    }
}

public sealed class AzureDamageRepairTests(AzuriteFixture azurite) : RemoteDamageRepairTests, IClassFixture<AzuriteFixture>
{
    protected override (StoreLocation, ObjectStoreOptions?) NewLocation() =>
        (StoreLocation.Parse($"azure://{AzuriteFixture.Account}/damage/{Guid.NewGuid():N}"), azurite.Options());
}
