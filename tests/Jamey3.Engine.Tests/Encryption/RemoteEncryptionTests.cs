using System.Security.Cryptography;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>Encryption through the remote format's codec selection: config, indexes and their tags, and every refusal.</summary>
public sealed class RemoteEncryptionTests : IDisposable
{
    readonly TempDirectory _dir = new("remote-encryption");
    public void Dispose() => _dir.Dispose();

    async Task<IObjectStore> NewStoreAsync(string name = "destination")
    {
        var store = ObjectStores.Open(StoreLocation.Local(_dir.Combine(name)));
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    static async Task<RemoteRepository> OpenAsync(IObjectStore store, RemoteKeyMaterial keys)
    {
        var config = await RemoteRepository.ReadConfigAsync(store);
        if (keys is AgeKeyMaterial age) await age.PrepareAsync(store, config, CancellationToken.None);
        var codec = RemoteCodecs.Select(config, keys, store.Location);
        return await RemoteRepository.OpenOrCreateAsync(store, codec, () => RemoteCodecs.NewConfig(codec, DateTimeOffset.UtcNow));
    }

    static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public async Task A_new_encrypted_destination_records_its_scheme_and_a_write_only_host_reopens_it()
    {
        await using var store = await NewStoreAsync();
        var owner = _dir.Combine("owner.txt");
        var ownerKey = AgeKeyFile.GenerateIdentityFile(owner);
        var keyFile = _dir.Combine("repository.key");
        var create = new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [ownerKey.ToString()] });
        var repo = await OpenAsync(store, create);
        Assert.Equal("age", repo.Config.Envelope);
        Assert.Equal("hmac-sha256", repo.Config.ObjectNames);
        Assert.Equal([ownerKey.ToString()], repo.Config.Recipients);
        Assert.Contains($"# repository: {repo.Config.RepositoryId}", File.ReadAllText(keyFile));

        // The schedule's next run: only the key file (and the same recipient file, which must match).
        var host = await OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [ownerKey.ToString()] }, store));
        Assert.False(host.Codec.CanOpen);
        Assert.Equal(repo.Config.RepositoryId, host.Config.RepositoryId);
        Assert.Equal(repo.Codec.NameFor(new string('0', 64)), host.Codec.NameFor(new string('0', 64)));

        var other = AgeKeyFile.GenerateIdentityFile(_dir.Combine("other.txt"));
        var differ = await Assert.ThrowsAsync<AgeKeyException>(() =>
            OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [other.ToString()] })));
        Assert.Equal(JameyErrors.RecipientsDiffer, differ.Error);

        var plain = await Assert.ThrowsAsync<RemoteConfigException>(() => OpenAsync(store, new RemoteKeyMaterial()));
        Assert.Equal(JameyErrors.RemoteSchemeMismatch, plain.Error);
        Assert.Contains("encrypted", plain.Message);
        var none = await Assert.ThrowsAsync<AgeKeyException>(() => OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial())));
        Assert.Equal(JameyErrors.RepositoryKeyRequired, none.Error);
        Assert.Contains(ownerKey.ToString(), none.Message);

        var reader = await OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial { IdentityFiles = [owner] }));
        Assert.True(reader.Codec.CanOpen);
    }

    [Fact]
    public async Task Keys_for_a_plain_or_missing_repository_are_refused_and_nothing_is_written()
    {
        await using var plainStore = await NewStoreAsync("plain");
        await OpenAsync(plainStore, new RemoteKeyMaterial());
        var recipient = X25519Identity.Generate().Recipient.ToString();
        var keyFile = _dir.Combine("repository.key");
        var e = await Assert.ThrowsAsync<RemoteConfigException>(() =>
            OpenAsync(plainStore, new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [recipient] })));
        Assert.Equal(JameyErrors.RemoteSchemeMismatch, e.Error);
        Assert.False(File.Exists(keyFile));

        await using var empty = await NewStoreAsync("empty");
        var owner = _dir.Combine("owner.txt");
        AgeKeyFile.GenerateIdentityFile(owner);
        var missing = await Assert.ThrowsAsync<RemoteRepositoryNotFoundException>(() =>
            OpenAsync(empty, new AgeKeyMaterial(new RepositoryKeyMaterial { IdentityFiles = [owner] })));
        Assert.Equal(JameyErrors.RemoteRepositoryNotFound, missing.Error);
        await foreach (var o in empty.ListAsync("")) Assert.Fail($"{o.Key} was written");
    }

    [Fact]
    public async Task Indexes_are_sealed_under_the_repository_key_changes_and_replays_are_refused_by_name()
    {
        await using var store = await NewStoreAsync();
        var keyFile = _dir.Combine("repository.key");
        var recipient = X25519Identity.Generate().Recipient.ToString();
        var repo = await OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [recipient] }));
        var host = await OpenAsync(store, new AgeKeyMaterial(new RepositoryKeyMaterial { KeyFile = keyFile }));

        RemoteIndex Index(string id, long size) => new RemoteIndex
        {
            BackupId = id, CreatedAt = DateTimeOffset.UtcNow,
            Objects = [new RemoteIndexEntry(repo.Codec.NameFor(new string('a', 64)), size, new string('b', 64))],
        }.Tagged(host.Codec);

        async Task Put(string id, byte[] bytes) =>
            await store.WriteAsync(RemoteLayout.IndexKey(id), new MemoryStream(bytes), new ObjectWrite(Sha(bytes), CreateOnly: false));

        var older = Index("20261201-100000-000", 100);
        var newer = Index("20261202-100000-000", 200);
        Assert.NotNull(older.Tag);
        await Put(older.BackupId, older.ToJson());
        await Put(newer.BackupId, newer.ToJson());
        Assert.Equal(200, (await host.ReadIndexAsync(newer.BackupId)).Objects[0].StoredSize);

        // Replay: the older backup's (validly tagged) index under the newer name.
        await Put(newer.BackupId, older.ToJson());
        var replay = await Assert.ThrowsAsync<RemoteManifestException>(() => host.ReadIndexAsync(newer.BackupId));
        Assert.Contains(older.BackupId, replay.Message);
        Assert.Contains(newer.BackupId, replay.Message);

        // Changed: a size edited by the store no longer matches the tag.
        var edited = (newer with { Objects = [newer.Objects[0] with { StoredSize = 201 }] }).ToJson();
        await Put(newer.BackupId, edited);
        var changed = await Assert.ThrowsAsync<RemoteManifestException>(() => host.ReadIndexAsync(newer.BackupId));
        Assert.Contains("tag", changed.Message);

        // Forged by someone without the key: a tag of their own does not verify.
        using var stranger = RepositoryKey.Generate();
        var forged = newer with { Tag = stranger.Tag(newer.CanonicalText()) };
        await Put(newer.BackupId, forged.ToJson());
        await Assert.ThrowsAsync<RemoteManifestException>(() => host.ReadIndexAsync(newer.BackupId));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(65536, 2)]
    [InlineData(65537, 3)]
    [InlineData(300_000, 1)]
    public async Task The_sealed_length_is_known_before_sealing(int size, int recipients)
    {
        using var key = RepositoryKey.Generate();
        var list = Enumerable.Range(0, recipients).Select(_ => X25519Identity.Generate().Recipient).ToList();
        using var codec = new AgeObjectCodec(key, list, [], "test");
        var output = new MemoryStream();
        await codec.SealAsync(new MemoryStream(new byte[size]), output, CancellationToken.None);
        Assert.Equal(output.Length, codec.SealedLength(size));
    }
}
