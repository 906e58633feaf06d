using System.Text;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
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
using Lucene.Net.Documents;
using ZstdSharp;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>
/// An encrypted remote repository read by the remote readers, against each real store: the disaster drill with only the
/// location, its credential and a private key (or the passphrase); what a host holding only the public key gets; age
/// opening every stored object by hand; tampering refused; and no plaintext of the database or an index at the destination.
/// </summary>
public abstract class EncryptedRemoteReadTests : IDisposable
{
    protected readonly TempDirectory _dir = new("encrypted-read");
    const string Marker = "zyxmarkerjameyplaintext";
    const string Passphrase = "a passphrase only the owner knows";

    protected abstract (StoreLocation Location, ObjectStoreOptions Options) NewLocation();

    public void Dispose() => _dir.Dispose();

    string Data => _dir.Combine("data");
    string LocalRepo => _dir.Combine("repo");
    string KeyFile => _dir.Combine("host", "repository.key");
    string OwnerIdentity => _dir.Combine("owner", "key.txt");

    sealed record Published(string BackupId, StoreLocation Location, ObjectStoreOptions Options, Manifest Manifest, X25519Recipient Owner);

    /// <summary>
    /// A backup of data holding a known marker (a database row and an index document), published encrypted as
    /// docs/remote-format.md lays it out: objects sealed by the age codec, the tagged index, the sealed manifest last.
    /// </summary>
    async Task<Published> PublishAsync(bool passphrase = false)
    {
        JameyTestData.Create(Data, seed: 41, records: 40);
        using (var c = JameyTestData.OpenDb(Data))
            JameyTestData.Exec(c, $"UPDATE memory_records SET content = content || ' {Marker}' WHERE rowid = 1");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var w = JameyTestData.OpenWriter(DataLayout.FullPath(Data, JameyComponent.Semantic)))
        {
            w.AddDocument([new StringField("id", "marker", Field.Store.YES), new TextField("content", $"Jamey said {Marker} once", Field.Store.YES)]);
            w.Commit();
        }
        var backup = new BackupEngine().Run(new BackupRequest(Data, LocalRepo));
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        Directory.CreateDirectory(Path.GetDirectoryName(OwnerIdentity)!);
        var owner = AgeKeyFile.GenerateIdentityFile(OwnerIdentity);
        var (location, options) = NewLocation();
        await using (var store = ObjectStores.Open(location, options))
        {
            await store.EnsureExistsAsync(create: true);
            var keys = new AgeKeyMaterial(passphrase
                ? new RepositoryKeyMaterial { KeyFile = KeyFile, Passphrase = Passphrase, WorkFactor = 10 }
                : new RepositoryKeyMaterial { KeyFile = KeyFile, Recipients = [owner.ToString()] });
            await keys.PrepareAsync(store, null, CancellationToken.None);
            var codec = RemoteCodecs.Select(null, keys, store.Location);
            var repo = await RemoteRepository.OpenOrCreateAsync(store, codec, () => RemoteCodecs.NewConfig(codec, DateTimeOffset.UtcNow));
            await PublishWithAsync(repo, new BackupRepository(LocalRepo), backup.BackupId);
        }
        return new Published(backup.BackupId, location, options, new BackupRepository(LocalRepo).LoadManifest(backup.BackupId), owner);
    }

    /// <summary>What a copier does, by the format: seal each stored part, index (tagged), then the manifest (sealed).</summary>
    static async Task PublishWithAsync(RemoteRepository repo, BackupRepository local, string backupId)
    {
        var codec = repo.Codec;
        var content = BackupContent.Open(local, backupId);
        var m = content.Manifest;
        var objects = new List<RemoteObjectRef>();
        var sealedOf = new Dictionary<string, RemoteObjectRef>();
        foreach (var f in m.Files)
        {
            var parts = f.Chunks is null ? [(f.Sha256, f.Stored, f.Compression)] : f.Chunks.Select(c => (c.Sha256, c.Stored, c.Compression)).ToList();
            foreach (var (sha, stored, compression) in parts)
            {
                var name = codec.NameFor(sha);
                if (!sealedOf.TryGetValue(name, out var r))
                {
                    var output = new MemoryStream();
                    await using (var input = File.OpenRead(content.StoredPath(stored)))
                        await codec.SealAsync(input, output, CancellationToken.None);
                    var bytes = output.ToArray();
                    var storedSha = RemoteIndex.Sha256Of(bytes);
                    await repo.Store.WriteAsync(RemoteLayout.ObjectKey(name), new MemoryStream(bytes), new ObjectWrite(storedSha));
                    sealedOf[name] = r = new RemoteObjectRef(name, compression, bytes.Length, storedSha);
                }
                objects.Add(r);
            }
        }
        var manifest = new RemoteManifest { BackupId = backupId, CopiedAt = DateTimeOffset.UtcNow, Objects = objects, Manifest = m };
        var index = manifest.ToIndex().Tagged(codec).ToJson();
        manifest.IndexSha256 = RemoteIndex.Sha256Of(index);
        await repo.PutAsync(RemoteLayout.IndexKey(backupId), index, createOnly: true, default);
        await repo.PutAsync(RemoteLayout.ManifestKey(backupId), await repo.SealAsync(manifest.ToJson(), default), createOnly: true, default);
    }

    static Task<RemoteBackupSource> OpenAsync(Published p, RepositoryKeyMaterial material) =>
        RemoteBackupSource.OpenAsync(p.Location, p.Options, new AgeKeyMaterial(material, p.Options));

    [Fact]
    public async Task Disaster_drill_restores_everything_from_the_encrypted_remote_with_only_the_location_and_the_private_key()
    {
        var p = await PublishAsync();
        var rows = JameyTestData.DumpRows(Data);
        var docs = JameyTestData.Layers.ToDictionary(l => l, l => JameyTestData.DumpIndex(DataLayout.FullPath(Data, l)));
        // The disaster: the data, every local backup and the backup host (with its repository key) are gone.
        Directory.Delete(Data, recursive: true);
        Directory.Delete(LocalRepo, recursive: true);
        Directory.Delete(Path.GetDirectoryName(KeyFile)!, recursive: true);

        var clean = _dir.Combine("clean");
        await using var source = await OpenAsync(p, new RepositoryKeyMaterial { IdentityFiles = [OwnerIdentity] });
        Assert.Equal(BackupStatus.Complete, Assert.Single(RemoteBackupSource.Blocking(source.ListAsync())).Status);
        var result = source.Restore(new RestoreRequest("", p.BackupId, clean) { Destination = clean });
        Assert.True(result.Verified);
        Assert.Equal(rows, JameyTestData.DumpRows(clean));
        foreach (var l in JameyTestData.Layers) Assert.Equal(docs[l], JameyTestData.DumpIndex(DataLayout.FullPath(clean, l)));
        foreach (var f in p.Manifest.Files) Assert.Equal(f.Sha256, JameyTestData.HashFile(Path.Combine(clean, f.Path)));
        Assert.True(new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full).Passed);
    }

    [Fact]
    public async Task Disaster_drill_with_the_passphrase_alone()
    {
        var p = await PublishAsync(passphrase: true);
        var rows = JameyTestData.DumpRows(Data);
        Directory.Delete(Data, recursive: true);
        Directory.Delete(LocalRepo, recursive: true);
        Directory.Delete(Path.GetDirectoryName(KeyFile)!, recursive: true);
        var clean = _dir.Combine("clean");
        await using var source = await OpenAsync(p, new RepositoryKeyMaterial { Passphrase = Passphrase });
        Assert.True(source.Restore(new RestoreRequest("", p.BackupId, clean) { Destination = clean }).Verified);
        Assert.Equal(rows, JameyTestData.DumpRows(clean));

        var wrong = await Assert.ThrowsAsync<AgeNoIdentityMatchesException>(() => OpenAsync(p, new RepositoryKeyMaterial { Passphrase = "wrong" }));
        Assert.Equal(JameyErrors.AgeNoIdentityMatches, wrong.Error);
    }

    [Fact]
    public async Task Every_stored_object_decrypts_with_age_to_exactly_the_bytes_its_manifest_hashes()
    {
        var p = await PublishAsync();
        await using var store = ObjectStores.Open(p.Location, p.Options);
        var parts = p.Manifest.Files.SelectMany(f => f.Chunks is null
            ? [(f.Sha256, f.Compression)]
            : f.Chunks.Select(c => (c.Sha256, c.Compression))).DistinctBy(x => x.Item1).ToList();
        using var codec = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { KeyFile = KeyFile }, CancellationToken.None);
        foreach (var (sha, compression) in parts)
        {
            var key = RemoteLayout.ObjectKey(codec.NameFor(sha));
            var file = _dir.Combine("object.age");
            await File.WriteAllBytesAsync(file, await RemoteTestReadAsync(store, key));
            var output = _dir.Combine("object.out");
            File.Delete(output);
            var (code, text) = AgeTool.RunToFile(output, "-d", "-i", OwnerIdentity, file);
            Assert.True(code == 0, text);
            var plain = File.ReadAllBytes(output);
            var content = compression == CompressionAlgorithm.Zstd ? new Decompressor().Unwrap(plain).ToArray() : plain;
            Assert.Equal(sha, RemoteIndex.Sha256Of(content));
        }
        Assert.True(parts.Count > 5);
    }

    static async Task<byte[]> RemoteTestReadAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    [Fact]
    public async Task A_host_with_only_the_public_key_cannot_restore_and_is_told_which_key_is_missing_and_nothing_is_written()
    {
        var p = await PublishAsync();
        await using var source = await OpenAsync(p, new RepositoryKeyMaterial { KeyFile = KeyFile });
        Assert.False(source.Repository.Codec.CanOpen);
        var target = _dir.Combine("restore-here");
        var e = Assert.ThrowsAny<JameyException>(() => source.Restore(new RestoreRequest("", p.BackupId, target) { Destination = target }));
        Assert.Equal(JameyErrors.RepositoryPrivateKeyMissing, e.Error);
        Assert.Contains(p.Owner.ToString(), e.Message);
        Assert.Contains("-IdentityFile", e.Message);
        Assert.False(Directory.Exists(target));
        var full = Assert.ThrowsAny<JameyException>(() => new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full));
        Assert.Equal(JameyErrors.RepositoryPrivateKeyMissing, full.Error);
    }

    [Fact]
    public async Task A_host_with_only_the_public_key_lists_and_runs_the_sampled_check_which_finds_altered_and_missing_objects()
    {
        var p = await PublishAsync();
        await using var source = await OpenAsync(p, new RepositoryKeyMaterial { KeyFile = KeyFile });
        var listed = Assert.Single(RemoteBackupSource.Blocking(source.ListNewestFirstAsync()));
        Assert.Equal((p.BackupId, BackupStatus.Complete), (listed.BackupId, listed.Status));
        Assert.Equal(BackupStatus.Complete, Assert.Single(RemoteBackupSource.Blocking(source.ListAsync())).Status);
        var all = new RemoteSample(Percent: 100);
        var clean = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, all);
        Assert.True(clean.Passed, string.Join("; ", clean.Problems.Select(x => x.ToString())));
        Assert.True(clean.FilesChecked > 5 && clean.BytesChecked > 0);

        var codec = source.Repository.Codec;
        var db = p.Manifest.Files.Single(f => f.Component == JameyComponent.Database);
        var altered = RemoteLayout.ObjectKey(codec.NameFor(db.Chunks![0].Sha256));
        var bytes = await RemoteTestReadAsync(source.Store, altered);
        bytes[bytes.Length - 10] ^= 0x20;
        await source.Store.WriteAsync(altered, new MemoryStream(bytes), new ObjectWrite(RemoteIndex.Sha256Of(bytes), CreateOnly: false));
        var gone = RemoteLayout.ObjectKey(codec.NameFor(p.Manifest.Files.First(f => f.Component == JameyComponent.Working && f.Chunks is null).Sha256));
        await source.Store.DeleteAsync(gone);
        var check = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, all);
        Assert.False(check.Passed);
        Assert.Contains(check.Problems, x => x.Message.Contains(altered) && x.Message.Contains("SHA-256"));
        Assert.Contains(check.Problems, x => x.Message.Contains(gone) && x.Message.Contains("missing"));
        // The check leaves a damage report for the next copy: the two keyed names, nothing else of the backup.
        var reports = new List<string>();
        await foreach (var o in source.Store.ListAsync(RemoteLayout.DamagePrefix)) reports.Add(o.Key);
        var report = RemoteDamageReport.TryParse(await RemoteTestReadAsync(source.Store, Assert.Single(reports)))!;
        Assert.Equal(new[] { altered, gone }.Select(k => k[^64..]).Order(StringComparer.Ordinal), report.Objects);

        // The store edits the index to hide the damage: the tag no longer verifies, and the backup lists as damaged.
        var indexKey = RemoteLayout.IndexKey(p.BackupId);
        var index = Encoding.UTF8.GetString(await RemoteTestReadAsync(source.Store, indexKey));
        var hidden = Encoding.UTF8.GetBytes(index.Replace(RemoteIndex.Sha256Of(await RemoteTestReadAsync(source.Store, RemoteLayout.ObjectKey(codec.NameFor(p.Manifest.Files.First(f => f.Component == JameyComponent.Episodic && f.Chunks is null).Sha256)))), new string('0', 64)));
        await source.Store.WriteAsync(indexKey, new MemoryStream(hidden), new ObjectWrite(RemoteIndex.Sha256Of(hidden), CreateOnly: false));
        Assert.Equal(BackupStatus.Damaged, Assert.Single(RemoteBackupSource.Blocking(source.ListAsync())).Status);
        Assert.False(new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Sampled, all).Passed);
    }

    [Fact]
    public async Task Changed_swapped_and_replayed_objects_and_manifests_are_named_and_never_restored()
    {
        var p = await PublishAsync();
        await using var source = await OpenAsync(p, new RepositoryKeyMaterial { IdentityFiles = [OwnerIdentity] });
        var codec = source.Repository.Codec;
        var store = source.Store;
        var db = p.Manifest.Files.Single(f => f.Component == JameyComponent.Database);
        var keyA = RemoteLayout.ObjectKey(codec.NameFor(db.Chunks![0].Sha256));
        var other = p.Manifest.Files.First(f => f.Component == JameyComponent.LongTerm && f.Chunks is null);
        var keyB = RemoteLayout.ObjectKey(codec.NameFor(other.Sha256));
        var originalA = await RemoteTestReadAsync(store, keyA);

        async Task Put(string key, byte[] bytes) =>
            await store.WriteAsync(key, new MemoryStream(bytes), new ObjectWrite(RemoteIndex.Sha256Of(bytes), CreateOnly: false));

        void AssertRefused(string key)
        {
            var target = _dir.Combine("t-" + Guid.NewGuid().ToString("N")[..6]);
            var e = Assert.ThrowsAny<JameyException>(() => source.Restore(new RestoreRequest("", p.BackupId, target) { Destination = target }));
            Assert.Contains(key, e.Message + string.Join(" ", (e as BackupVerificationFailedException)?.Problems.Select(x => x.ToString()) ?? []));
            Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any());
            var check = new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full);
            Assert.False(check.Passed);
            Assert.Contains(check.Problems, x => x.Message.Contains(key));
        }

        // Changed: one byte of the ciphertext.
        var changed = (byte[])originalA.Clone();
        changed[changed.Length / 2] ^= 1;
        await Put(keyA, changed);
        AssertRefused(keyA);

        // Swapped: B's valid age file under A's name (the store may re-seal nothing: it has no key).
        await Put(keyA, await RemoteTestReadAsync(store, keyB));
        AssertRefused(keyA);
        await Put(keyA, originalA);
        Assert.True(new RemoteVerifier().Verify(source, p.BackupId, VerificationMode.Full).Passed);

        // Manifest changed (a byte of the age file), then replayed under a newer backup's name.
        var manifestKey = RemoteLayout.ManifestKey(p.BackupId);
        var manifest = await RemoteTestReadAsync(store, manifestKey);
        var damaged = (byte[])manifest.Clone();
        damaged[^20] ^= 1;
        await Put(manifestKey, damaged);
        var target = _dir.Combine("t-manifest");
        var damagedError = Assert.ThrowsAny<JameyException>(() => source.Restore(new RestoreRequest("", p.BackupId, target) { Destination = target }));
        Assert.Contains(manifestKey, damagedError.Message);
        Assert.False(Directory.Exists(target));
        await Put(manifestKey, manifest);

        var newerId = BackupRepository.TimeFromId(p.BackupId)!.Value.AddMinutes(5).UtcDateTime.ToString(BackupRepository.IdFormat);
        await Put(RemoteLayout.ManifestKey(newerId), manifest);
        await Put(RemoteLayout.IndexKey(newerId), await RemoteTestReadAsync(store, RemoteLayout.IndexKey(p.BackupId)));
        var replay = Assert.Throws<RemoteManifestException>(() => source.Restore(new RestoreRequest("", newerId, target) { Destination = target }));
        Assert.Contains(p.BackupId, replay.Message);
        Assert.Contains(newerId, replay.Message);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task No_plaintext_of_the_database_or_an_index_and_no_secret_is_at_the_destination()
    {
        var p = await PublishAsync(passphrase: false);
        await using var store = ObjectStores.Open(p.Location, p.Options);
        var secrets = new[] { Marker, File.ReadAllText(KeyFile).Split('\n').Single(l => l.StartsWith("JAMEY3-")), File.ReadAllText(OwnerIdentity).Split('\n').Single(l => l.StartsWith("AGE-SECRET")) };
        using var codec = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [OwnerIdentity] }, CancellationToken.None);
        var inPlain = 0;
        await foreach (var o in store.ListAsync(""))
        {
            var bytes = await RemoteTestReadAsync(store, o.Key);
            var text = Encoding.Latin1.GetString(bytes);
            foreach (var s in secrets) Assert.False(text.Contains(s, StringComparison.OrdinalIgnoreCase), $"{o.Key} holds a secret or plaintext");
            // The control: decrypted (and decompressed), the same objects do hold the marker, so the grep can fail.
            if (RemoteLayout.NameFromObjectKey(o.Key) is not null)
            {
                var plain = new MemoryStream();
                await using (var opened = codec.Open(new MemoryStream(bytes), o.Key)) await opened.CopyToAsync(plain);
                var raw = plain.ToArray();
                byte[] decoded;
                try { decoded = new Decompressor().Unwrap(raw).ToArray(); } catch (ZstdException) { decoded = raw; }
                if (Encoding.Latin1.GetString(decoded).Contains(Marker)) inPlain++;
            }
        }
        Assert.True(inPlain >= 2, $"the marker was found in {inPlain} decrypted objects; expected the database and an index file");
    }
}

public sealed class LocalEncryptedRemoteReadTests : EncryptedRemoteReadTests
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() => (StoreLocation.Local(_dir.Combine("destination")), new ObjectStoreOptions());
}

public sealed class AzureEncryptedRemoteReadTests(AzuriteFixture azurite) : EncryptedRemoteReadTests, IClassFixture<AzuriteFixture>
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() =>
        (StoreLocation.Parse($"azure://{AzuriteFixture.Account}/encrypted-read/{Guid.NewGuid():N}"), azurite.Options());
}

public sealed class S3EncryptedRemoteReadTests(S3rverFixture s3rver) : EncryptedRemoteReadTests, IClassFixture<S3rverFixture>
{
    protected override (StoreLocation, ObjectStoreOptions) NewLocation() =>
        (StoreLocation.Parse($"s3://encrypted-read/{Guid.NewGuid():N}"), s3rver.Options());
}
