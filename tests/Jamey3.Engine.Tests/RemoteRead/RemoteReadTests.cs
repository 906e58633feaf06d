using System.Text;
using System.Text.Json.Nodes;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Tests.Restore;
using Jamey3.Engine.Tests.Stores;

namespace Jamey3.Engine.Tests.RemoteRead;

/// <summary>
/// Reading a remote repository (docs/remote-format.md, "Listing, verifying, restoring") against each real store: the
/// disaster drill (data and local repository gone, restore from the remote alone), damaged and missing objects found by
/// the full and the sampled check and refused by a restore, and tampered or replayed manifests refused before anything
/// is written.
/// </summary>
public abstract class RemoteReadTests : IDisposable
{
    readonly TempDirectory _dir = new("jamey3-remote-read");

    protected abstract (StoreLocation Location, ObjectStoreOptions Options) NewLocation();

    public void Dispose() => _dir.Dispose();

    string Data => _dir.Combine("data");
    string LocalRepo => _dir.Combine("repo");

    sealed record Published(string BackupId, StoreLocation Location, ObjectStoreOptions Options, Manifest Manifest);

    async Task<Published> PublishAsync()
    {
        JameyTestData.Create(Data, seed: 31, records: 60);
        var backup = new BackupEngine().Run(new BackupRequest(Data, LocalRepo));
        var (location, options) = NewLocation();
        await using (var store = ObjectStores.Open(location, options))
            await RemoteTestRepository.PublishAsync(store, new BackupRepository(LocalRepo), backup.BackupId);
        return new Published(backup.BackupId, location, options, new BackupRepository(LocalRepo).LoadManifest(backup.BackupId));
    }

    static async Task<RemoteBackupSource> OpenAsync(Published p) => await RemoteBackupSource.OpenAsync(p.Location, p.Options);

    [Fact]
    public async Task Disaster_drill_restores_every_row_document_and_byte_from_the_remote_alone()
    {
        var p = await PublishAsync();
        var rows = JameyTestData.DumpRows(Data);
        var docs = JameyTestData.Layers.ToDictionary(l => l, l => JameyTestData.DumpIndex(DataLayout.FullPath(Data, l)));
        // The disaster: the data and every local backup are gone.
        Directory.Delete(Data, recursive: true);
        Directory.Delete(LocalRepo, recursive: true);

        var clean = _dir.Combine("clean");
        await using var source = await OpenAsync(p);
        var listed = RemoteBackupSource.Blocking(source.ListAsync()).ToList();
        Assert.Equal(BackupStatus.Complete, Assert.Single(listed).Status);
        var result = source.Restore(new RestoreRequest("", p.BackupId, clean) { Destination = clean });

        Assert.True(result.Verified);
        Assert.Equal(rows, JameyTestData.DumpRows(clean));
        foreach (var l in JameyTestData.Layers) Assert.Equal(docs[l], JameyTestData.DumpIndex(DataLayout.FullPath(clean, l)));
        foreach (var f in p.Manifest.Files) // every byte: each restored file hashes to what the backup recorded
            Assert.Equal(f.Sha256, JameyTestData.HashFile(Path.Combine(clean, f.Path)));
        Assert.True(rows.Count > 60 && docs.Values.All(d => d.Count > 0));
        Assert.False(Directory.Exists(LocalRepo)); // nothing local was needed, nor created
    }

    [Fact]
    public async Task A_backup_sent_by_the_copier_is_listed_checked_and_restored_from_the_remote_alone()
    {
        JameyTestData.Create(Data, seed: 33, records: 40);
        var backup = new BackupEngine().Run(new BackupRequest(Data, LocalRepo));
        var (location, options) = NewLocation();
        await using (var store = ObjectStores.Open(location, options))
        {
            var run = await new RemoteCopier().CopyAsync(new CopyRequest(LocalRepo, store));
            Assert.Empty(run.Failures);
        }
        var rows = JameyTestData.DumpRows(Data);
        var manifest = new BackupRepository(LocalRepo).LoadManifest(backup.BackupId);
        Directory.Delete(Data, recursive: true);
        Directory.Delete(LocalRepo, recursive: true);

        await using var source = await RemoteBackupSource.OpenAsync(location, options);
        Assert.Equal(backup.BackupId, Assert.Single(RemoteBackupSource.Blocking(source.ListNewestFirstAsync())).BackupId);
        Assert.True(new RemoteVerifier().Verify(source, backup.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 50)).Passed);
        var clean = _dir.Combine("clean");
        Assert.True(source.Restore(new RestoreRequest("", backup.BackupId, clean)).Verified);
        Assert.Equal(rows, JameyTestData.DumpRows(clean));
        foreach (var f in manifest.Files) Assert.Equal(f.Sha256, JameyTestData.HashFile(Path.Combine(clean, f.Path)));
    }

    [Fact]
    public async Task An_altered_object_is_named_by_the_full_and_the_sampled_check_and_refused_by_a_restore()
    {
        var p = await PublishAsync();
        var chunk = p.Manifest.Files.Single(f => f.Component == JameyComponent.Database).Chunks![0];
        var key = RemoteLayout.ObjectKey(chunk.Sha256);
        await using var source = await OpenAsync(p);
        var bytes = await RemoteTestRepository.ReadAsync(source.Store, key);
        bytes[bytes.Length / 2] ^= 0x5a; // same size: only the hashes can tell
        await RemoteTestRepository.ReplaceAsync(source.Store, key, bytes);

        var full = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full);
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, x => x.Message.Contains(key) && x.File == chunk.Stored);
        var sampled = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100));
        Assert.False(sampled.Passed);
        Assert.Contains(sampled.Problems, x => x.Message.Contains(key) && x.Message.Contains("stored SHA-256") && x.File == chunk.Stored);
        // A sample that misses it passes: sampling reads only what it chose (and a 1-object sample of many rarely picks it).
        var one = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, new RemoteSample(Bytes: 1, Seed: 1));
        Assert.Equal(1, one.FilesChecked);

        AssertRestoreRefusedAndLiveDataUntouched(source, p);
    }

    [Fact]
    public async Task A_deleted_object_is_named_by_the_full_and_the_sampled_check_and_refused_by_a_restore()
    {
        var p = await PublishAsync();
        var file = p.Manifest.Files.First(f => f.Component == JameyComponent.LongTerm && f.Chunks is null);
        var key = RemoteLayout.ObjectKey(file.Sha256);
        await using var source = await OpenAsync(p);
        await source.Store.DeleteAsync(key);

        var full = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full);
        Assert.False(full.Passed);
        Assert.Contains(full.Problems, x => x.Message.Contains(key) && x.Message.Contains("missing") && x.File == file.Stored);
        var sampled = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, new RemoteSample(Percent: 100));
        Assert.False(sampled.Passed);
        Assert.Contains(sampled.Problems, x => x.Message.Contains(key) && x.Message.Contains("missing"));

        AssertRestoreRefusedAndLiveDataUntouched(source, p);
    }

    void AssertRestoreRefusedAndLiveDataUntouched(RemoteBackupSource source, Published p)
    {
        JameyTestData.Mutate(Data, seed: 32); // the live data now differs from the backup
        var before = JameyTestData.HashData(Data);
        var e = Assert.Throws<BackupVerificationFailedException>(() => source.Restore(new RestoreRequest("", p.BackupId, Data)));
        Assert.Equal("BackupVerificationFailed", e.ErrorId);
        Assert.Equal(before, JameyTestData.HashData(Data));
        Assert.False(RestoreEngine.HasInterruptedWork(Data));
    }

    [Fact]
    public async Task A_tampered_or_replayed_manifest_is_refused_with_a_clear_error_and_nothing_is_written()
    {
        var p = await PublishAsync();
        await using var source = await OpenAsync(p);
        var manifestKey = RemoteLayout.ManifestKey(p.BackupId);
        var original = await RemoteTestRepository.ReadAsync(source.Store, manifestKey);

        // A replay: the same manifest under another backup's id.
        var otherId = BackupRepository.TimeFromId(p.BackupId)!.Value.AddMinutes(1).UtcDateTime.ToString(BackupRepository.IdFormat);
        await source.Store.WriteAsync(RemoteLayout.ManifestKey(otherId), new MemoryStream(original), new ObjectWrite(RemoteIndex.Sha256Of(original)));
        var replay = Assert.Throws<RemoteManifestException>(() => source.Restore(new RestoreRequest("", otherId, _dir.Combine("t1"))));
        Assert.Equal("InvalidManifest", replay.ErrorId);
        Assert.Contains("replay", replay.Message);
        Assert.Contains(otherId, replay.Message);
        var listed = RemoteBackupSource.Blocking(source.ListAsync()).ToDictionary(b => b.BackupId);
        Assert.Equal(BackupStatus.Complete, listed[p.BackupId].Status);
        Assert.Equal(BackupStatus.Damaged, listed[otherId].Status);
        Assert.Contains("replay", listed[otherId].Problem);

        // Edited JSON: a file's content hash changed (e.g. to pass off other content) no longer matches its object's name.
        var json = JsonNode.Parse(original)!;
        var files = json["manifest"]!["files"]!.AsArray();
        var edited = files.First(f => f!["chunks"] is null)!;
        edited["sha256"] = new string('0', 64);
        await RemoteTestRepository.ReplaceAsync(source.Store, manifestKey, Encoding.UTF8.GetBytes(json.ToJsonString()));
        var tampered = Assert.Throws<RemoteManifestException>(() => source.Restore(new RestoreRequest("", p.BackupId, _dir.Combine("t2"))));
        Assert.Equal("InvalidManifest", tampered.ErrorId);
        Assert.Contains(manifestKey, tampered.Message);

        // Broken JSON.
        await RemoteTestRepository.ReplaceAsync(source.Store, manifestKey, original[..(original.Length / 2)]);
        var broken = Assert.Throws<RemoteManifestException>(() => source.Restore(new RestoreRequest("", p.BackupId, _dir.Combine("t3"))));
        Assert.Contains("not valid JSON", broken.Message);

        // Nothing was written anywhere: none of the destinations exists, and the live data is as it was.
        Assert.False(Directory.Exists(_dir.Combine("t1")) || Directory.Exists(_dir.Combine("t2")) || Directory.Exists(_dir.Combine("t3")));
        var verify = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full);
        Assert.False(verify.Passed);
        Assert.Contains("not valid JSON", Assert.Single(verify.Problems).Message);
    }
}

public sealed class AzureRemoteReadTests(AzuriteFixture azurite) : RemoteReadTests, IClassFixture<AzuriteFixture>
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() =>
        (StoreLocation.Parse($"azure://{AzuriteFixture.Account}/remote-read/{Guid.NewGuid():N}"), azurite.Options());
}

public sealed class S3RemoteReadTests(S3rverFixture s3rver) : RemoteReadTests, IClassFixture<S3rverFixture>
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() =>
        (StoreLocation.Parse($"s3://remote-read/{Guid.NewGuid():N}"), s3rver.Options());
}

public sealed class SftpRemoteReadTests(SshdFixture sshd) : RemoteReadTests, IClassFixture<SshdFixture>
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() => (sshd.Location(Guid.NewGuid().ToString("N")), sshd.Options());
}
