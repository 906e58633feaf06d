using System.Text;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Tests.Restore;
using Jamey3.Engine.Tests.Stores;
using Jamey3.Engine.Verification;
using Jamey3.SampleData;
using ZstdSharp;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>
/// The copy (RemoteCopier) into an encrypted destination, from a host that holds only the repository key and the
/// recipients' public keys: it sets the destination up, copies incrementally, lists and checks a sample; a key holder
/// restores what it wrote, and age opens it by hand.
/// </summary>
public abstract class EncryptedCopyTests : IDisposable
{
    protected readonly TempDirectory Dir = new("encrypted-copy");
    protected string Repo => Dir.Combine("repo");
    protected string KeyFile => Dir.Combine("repository.key");

    protected abstract Task<IObjectStore> NewStoreAsync();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static async Task<JameyCopyResult> CopyAsync(string repo, IObjectStore store, RepositoryKeyMaterial keys) =>
        Assert.Single((await new RemoteCopier().CopyAsync(new CopyRequest(repo, store) { Keys = new AgeKeyMaterial(keys, store) })).Results);

    protected static async Task<RemoteBackupSource> OpenAsync(IObjectStore store, RepositoryKeyMaterial keys, ObjectStoreOptions options) =>
        await RemoteBackupSource.OpenAsync(store.Location, options, new AgeKeyMaterial(keys, options));

    protected abstract ObjectStoreOptions Options { get; }

    [Fact]
    public async Task A_write_only_host_copies_lists_and_checks_and_only_a_key_holder_restores()
    {
        var data = Dir.Combine("data");
        JameyTestData.Create(data, seed: 51, records: 40);
        var backup = new BackupEngine().Run(new BackupRequest(data, Repo));
        var rows = JameyTestData.DumpRows(data);
        var owner = Dir.Combine("owner.txt");
        var ownerKey = AgeKeyFile.GenerateIdentityFile(owner);
        await using var store = await NewStoreAsync();
        var host = new RepositoryKeyMaterial { KeyFile = KeyFile, Recipients = [ownerKey.ToString()] };
        var first = await CopyAsync(Repo, store, host);
        Assert.True(first.Published);
        Assert.True(File.Exists(KeyFile));

        // The host (key file only) lists, and checks a sample; restoring there names the missing key.
        await using (var hostView = await OpenAsync(store, new RepositoryKeyMaterial { KeyFile = KeyFile }, Options))
        {
            Assert.Equal(backup.BackupId, Assert.Single(RemoteBackupSource.Blocking(hostView.ListNewestFirstAsync())).BackupId);
            Assert.True(new RemoteVerifier().Verify(hostView, backup.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100)).Passed);
            var target = Dir.Combine("host-restore");
            var e = Assert.ThrowsAny<JameyException>(() => hostView.Restore(new RestoreRequest("", backup.BackupId, target) { Destination = target }));
            Assert.Equal(JameyErrors.RepositoryPrivateKeyMissing, e.Error);
            Assert.Contains(ownerKey.ToString(), e.Message);
            Assert.False(Directory.Exists(target));
        }

        // The key holder, with the location and the private key only, restores and fully checks.
        await using (var holder = await OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [owner] }, Options))
        {
            var clean = Dir.Combine("clean");
            Assert.True(holder.Restore(new RestoreRequest("", backup.BackupId, clean) { Destination = clean }).Verified);
            Assert.Equal(rows, JameyTestData.DumpRows(clean));
            Assert.True(new RemoteVerifier().Verify(holder, backup.BackupId, VerificationMode.Full).Passed);

            // What the copier stored opens with age: the database's object decrypts to the bytes the manifest hashes.
            var m = await holder.Repository.ReadManifestAsync(backup.BackupId);
            var part = m.StoredParts().First(p => p.File.Component == JameyComponent.Database);
            var file = Dir.Combine("db.age");
            await using (var s = await store.OpenReadAsync(RemoteLayout.ObjectKey(part.Object.Name)))
            await using (var f = File.Create(file)) await s.CopyToAsync(f);
            var output = Dir.Combine("db.out");
            var (code, text) = AgeTool.RunToFile(output, "-d", "-i", owner, file);
            Assert.True(code == 0, text);
            var plain = File.ReadAllBytes(output);
            var content = part.Object.Compression == CompressionAlgorithm.Zstd ? new Decompressor().Unwrap(plain).ToArray() : plain;
            Assert.Equal(part.ContentSha256, RemoteIndex.Sha256Of(content));
        }

        // A copy without keys, or a plain copy, to the encrypted destination is refused; nothing is added.
        var plainCopy = await Assert.ThrowsAnyAsync<JameyException>(() => new RemoteCopier().CopyAsync(new CopyRequest(Repo, store)));
        Assert.Equal(JameyErrors.RemoteSchemeMismatch, plainCopy.Error);
    }

    [Fact]
    public async Task The_copy_writes_no_plaintext_marker_and_no_secret_to_the_destination_or_its_key_files()
    {
        const string marker = "qqmarkerencryptedcopyqq";
        var data = Dir.Combine("data");
        JameyTestData.Create(data, seed: 52, records: 30);
        using (var c = JameyTestData.OpenDb(data)) JameyTestData.Exec(c, $"UPDATE memory_records SET content = '{marker} ' || content WHERE rowid = 2");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        new BackupEngine().Run(new BackupRequest(data, Repo));
        const string passphrase = "correct horse battery staple";
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store, new RepositoryKeyMaterial { KeyFile = KeyFile, Passphrase = passphrase, WorkFactor = 10 });
        var secret = File.ReadAllText(KeyFile).Split('\n').Single(l => l.StartsWith("JAMEY3-"));
        var count = 0;
        await foreach (var o in store.ListAsync(""))
        {
            await using var s = await store.OpenReadAsync(o.Key);
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            var text = Encoding.Latin1.GetString(ms.ToArray());
            Assert.DoesNotContain(marker, text);
            Assert.DoesNotContain(passphrase, text);
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain("AGE-SECRET-KEY-", text, StringComparison.OrdinalIgnoreCase);
            count++;
        }
        Assert.True(count > 8);
        // The host's files: its key file holds the repository key only (no passphrase, no private key), and the
        // source repository's state (run history, copy status) names no secret either.
        Assert.DoesNotContain(passphrase, File.ReadAllText(KeyFile));
        Assert.DoesNotContain("AGE-SECRET-KEY-", File.ReadAllText(KeyFile));
        foreach (var f in Directory.EnumerateFiles(new BackupRepository(Repo).StateDirectory, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(f);
            Assert.DoesNotContain(passphrase, text);
            Assert.DoesNotContain(secret, text);
        }
    }
}

public sealed class LocalEncryptedCopyTests : EncryptedCopyTests
{
    protected override ObjectStoreOptions Options => new();

    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open(StoreLocation.Local(Dir.Combine("destination")));
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    [Fact]
    public async Task A_write_only_host_applies_retention_and_collects_objects_and_the_kept_backup_still_restores()
    {
        var data = Dir.Combine("data");
        JameyTestData.Create(data, seed: 53, records: 30);
        var older = new BackupEngine().Run(new BackupRequest(data, Repo));
        JameyTestData.Mutate(data, seed: 54);
        var newer = new BackupEngine().Run(new BackupRequest(data, Repo));
        var rows = JameyTestData.DumpRows(data);
        var owner = Dir.Combine("owner.txt");
        var ownerKey = AgeKeyFile.GenerateIdentityFile(owner);
        await using var store = await NewStoreAsync();
        var run = await new RemoteCopier().CopyAsync(new CopyRequest(Repo, store) { Keys = new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = KeyFile, Recipients = [ownerKey.ToString()] }, store) });
        Assert.Equal(2, run.Results.Count);

        var hostKeys = new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = KeyFile }, store);
        var config = await RemoteRepository.ReadConfigAsync(store);
        var repo = await RemoteRepository.OpenAsync(store, RemoteCodecs.Select(config, hostKeys, store.Location));
        Assert.False(repo.Codec.CanOpen);
        var objectsBefore = (await repo.ListObjectsAsync()).Count;
        var grace = TimeSpan.FromMilliseconds(300);
        var result = await new Jamey3.Engine.Remote.RemoteRetention().RunAsync(repo, new RemoteRetentionRequest { MaxBackups = 1, GracePeriod = grace });
        Assert.Equal([older.BackupId], result.Plan.ToRemove.Select(d => d.BackupId));
        await Task.Delay(grace * 2);
        var sweep = await new RemoteGarbageCollector().RunAsync(repo, grace);
        Assert.True(sweep.Swept);
        Assert.True(sweep.DeletedObjects > 0 && (await repo.ListObjectsAsync()).Count == objectsBefore - sweep.DeletedObjects);
        Assert.Equal(newer.BackupId, Assert.Single(RemoteBackupSource.Blocking(repo.ListBackupsAsync())).BackupId);

        await using var holder = await OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [owner] }, Options);
        var clean = Dir.Combine("clean");
        Assert.True(holder.Restore(new RestoreRequest("", newer.BackupId, clean) { Destination = clean }).Verified);
        Assert.Equal(rows, JameyTestData.DumpRows(clean));
    }

    [Fact]
    public async Task A_second_copy_from_the_write_only_host_after_a_small_change_sends_at_most_two_percent_of_the_first()
    {
        var data = Dir.Combine("big");
        SampleDataGenerator.Generate(data, 112_000_000, 11);
        var repo = Dir.Combine("repo");
        new BackupEngine().Run(new BackupRequest(data, repo));
        var keys = new RepositoryKeyMaterial { KeyFile = Dir.Combine("repository.key"), Recipients = [X25519Identity.Generate().Recipient.ToString()] };
        await using var store = await NewStoreAsync();
        var first = await CopyAsync(repo, store, keys);
        using (var jamey = new JameyWriterSimulator(data, seed: 5, new WriterSimulatorOptions { ForceMergeEveryCommits = 0, SegmentsPerTier = 50, RowsPerTick = 3 }))
            jamey.Tick();
        new BackupEngine().Run(new BackupRequest(data, repo));
        // The schedule's next run: the key file alone (the recipients come from the destination, authenticated).
        var second = await CopyAsync(repo, store, new RepositoryKeyMaterial { KeyFile = keys.KeyFile });
        Assert.True(second.BytesSent <= first.BytesSent * 0.02,
            $"the second encrypted copy sent {second.BytesSent} bytes, {100.0 * second.BytesSent / first.BytesSent:0.00}% of the first's {first.BytesSent}");
        Assert.True(second.ObjectsPresent > 0);
        Console.WriteLine($"encrypted copy to a folder: first {first.BytesSent} bytes in {first.Duration.TotalSeconds:0.00} s, second {second.BytesSent} bytes ({100.0 * second.BytesSent / first.BytesSent:0.00}%)");
    }
}

public sealed class AzureEncryptedCopyTests(AzuriteFixture azurite) : EncryptedCopyTests, IClassFixture<AzuriteFixture>
{
    protected override ObjectStoreOptions Options => azurite.Options();

    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/encrypted-copy/{Guid.NewGuid():N}", azurite.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class S3EncryptedCopyTests(S3rverFixture s3rver) : EncryptedCopyTests, IClassFixture<S3rverFixture>
{
    protected override ObjectStoreOptions Options => s3rver.Options();

    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"s3://encrypted-copy/{Guid.NewGuid():N}", s3rver.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}
