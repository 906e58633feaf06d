using System.Security.Cryptography;
using System.Text;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Tests.Stores;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>
/// An encrypted repository's keys and codec against each real store (a folder, Azurite, s3rver): what a write-only
/// host and a key holder can each do, interoperability with Debian's age, and every tampering the store could try.
/// </summary>
public abstract class EncryptedRepositoryTests : IDisposable
{
    protected readonly TempDirectory Dir = new("encrypted-repo");
    const string Passphrase = "Jamey's memories stay private";
    const int FastWorkFactor = 10; // age's default (18) costs 256 MiB and a second per unlock; the format is the same

    public void Dispose() => Dir.Dispose();

    /// <summary>A store rooted at a fresh, empty place.</summary>
    protected abstract Task<IObjectStore> NewStoreAsync();

    string NewIdentityFile(string name, out X25519Recipient recipient)
    {
        var path = Dir.Combine(name);
        recipient = AgeKeyFile.GenerateIdentityFile(path);
        return path;
    }

    string RecipientFile(string name, params X25519Recipient[] recipients)
    {
        var path = Dir.Combine(name);
        File.WriteAllText(path, "# public keys of the repository's key holders\n" + string.Join("\n", recipients) + "\n");
        return path;
    }

    static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    static async Task<string> PutSealedAsync(IObjectStore store, IObjectCodec codec, byte[] plain, string? contentSha = null)
    {
        var sealedBytes = new MemoryStream();
        await codec.SealAsync(new MemoryStream(plain), sealedBytes, CancellationToken.None);
        var name = codec.NameFor(contentSha ?? Sha(plain));
        var bytes = sealedBytes.ToArray();
        await store.WriteAsync($"data/{name[..2]}/{name}", new MemoryStream(bytes), new ObjectWrite(Sha(bytes)));
        return name;
    }

    static async Task<byte[]> GetAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    /// <summary>What a restore does with one object: decrypt, hash, and check the name is the content's keyed name.</summary>
    static async Task<byte[]> OpenCheckedAsync(IObjectStore store, AgeObjectCodec codec, string name)
    {
        var key = $"data/{name[..2]}/{name}";
        await using var sealedStream = await store.OpenReadAsync(key);
        await using var plain = codec.Open(sealedStream, key);
        var ms = new MemoryStream();
        await plain.CopyToAsync(ms);
        var bytes = ms.ToArray();
        codec.CheckName(name, Sha(bytes));
        return bytes;
    }

    async Task<string> DownloadAsync(IObjectStore store, string key, string file)
    {
        var path = Dir.Combine(file);
        await File.WriteAllBytesAsync(path, await GetAsync(store, key));
        return path;
    }

    RepositoryKeyMaterial HostMaterial(string keyFile) => new() { KeyFile = keyFile };

    [Fact]
    public async Task A_write_only_host_seals_objects_that_age_decrypts_to_exactly_the_plain_bytes_and_cannot_open_them()
    {
        await using var store = await NewStoreAsync();
        var owner = NewIdentityFile("owner.txt", out var ownerKey);
        var recovery = NewIdentityFile("recovery.txt", out var recoveryKey);
        var keyFile = Dir.Combine("repository.key");
        using (await RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = keyFile, RecipientFiles = [RecipientFile("r.txt", ownerKey, recoveryKey)] }, "repo1", CancellationToken.None)) { }

        using var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None);
        Assert.False(host.CanOpen);
        Assert.Equal(["age", "hmac-sha256"], new[] { host.Envelope, host.ObjectNames });
        var plain = new byte[3 * 65536 + 5];
        new Random(3).NextBytes(plain);
        var name = await PutSealedAsync(store, host, plain);
        Assert.NotEqual(Sha(plain), name);

        // The standard tool opens it with either recipient's identity file: the last-resort path needs no Jamey3.
        var stored = await DownloadAsync(store, $"data/{name[..2]}/{name}", "object.age");
        foreach (var identity in new[] { owner, recovery })
        {
            var output = Dir.Combine($"out-{Path.GetFileName(identity)}");
            var (code, text) = AgeTool.RunToFile(output, "-d", "-i", identity, stored);
            Assert.True(code == 0, text);
            Assert.Equal(Sha(plain), Sha(File.ReadAllBytes(output)));
        }

        // The host names and tags as the key holder does, but opening content names the missing key.
        await using (var s = await store.OpenReadAsync($"data/{name[..2]}/{name}"))
        {
            var e = Assert.Throws<JameyException>(() => host.Open(s, name));
            Assert.Equal(JameyErrors.RepositoryPrivateKeyMissing, e.Error);
            Assert.Contains(ownerKey.ToString(), e.Message);
            Assert.Contains(recoveryKey.ToString(), e.Message);
            Assert.Contains("-IdentityFile", e.Message);
        }

        using var holder = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [recovery] }, CancellationToken.None);
        Assert.True(holder.CanOpen);
        Assert.Equal(host.KeyId, holder.KeyId);
        Assert.Equal(host.NameFor(Sha(plain)), holder.NameFor(Sha(plain)));
        Assert.Equal(host.TagFor("index"u8), holder.TagFor("index"u8));
        Assert.Equal(plain, await OpenCheckedAsync(store, holder, name));
    }

    [Fact]
    public async Task An_object_age_encrypted_by_hand_for_the_recipients_is_accepted()
    {
        await using var store = await NewStoreAsync();
        var owner = NewIdentityFile("owner.txt", out var ownerKey);
        using var holder = await RepositoryKeyring.CreateAsync(store,
            new RepositoryKeyMaterial { KeyFile = Dir.Combine("k.key"), Recipients = [ownerKey.ToString()], IdentityFiles = [owner] }, "repo2", CancellationToken.None);
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("a chunk age wrote itself\n", 5000)));
        var input = Dir.Combine("plain.bin");
        File.WriteAllBytes(input, plain);
        var encrypted = Dir.Combine("by-age.age");
        var (code, text) = AgeTool.Run("-e", "-r", ownerKey.ToString(), "-o", encrypted, input);
        Assert.True(code == 0, text);
        var name = holder.NameFor(Sha(plain));
        var bytes = File.ReadAllBytes(encrypted);
        await store.WriteAsync($"data/{name[..2]}/{name}", new MemoryStream(bytes), new ObjectWrite(Sha(bytes)));
        Assert.Equal(plain, await OpenCheckedAsync(store, holder, name));
    }

    [Fact]
    public async Task A_passphrase_repository_opens_with_the_passphrase_and_age_opens_its_objects_through_keys_identity_age()
    {
        await using var store = await NewStoreAsync();
        var keyFile = Dir.Combine("repository.key");
        using (await RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = keyFile, Passphrase = Passphrase, WorkFactor = FastWorkFactor }, "repo3", CancellationToken.None)) { }

        using var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None);
        Assert.False(host.CanOpen);
        var plain = new byte[70_000];
        new Random(5).NextBytes(plain);
        var name = await PutSealedAsync(store, host, plain);

        using var holder = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { Passphrase = Passphrase }, CancellationToken.None);
        Assert.Equal(plain, await OpenCheckedAsync(store, holder, name));

        // Last resort: age -d -i keys/identity.age (age asks for the passphrase of the identity file).
        var identity = await DownloadAsync(store, RepositoryKeyring.IdentityName, "identity.age");
        var stored = await DownloadAsync(store, $"data/{name[..2]}/{name}", "object.age");
        var output = Dir.Combine("out.bin");
        var (code, text) = AgeTool.RunWithPassphrase(Passphrase, "-d", "-i", identity, "-o", output, stored);
        Assert.True(code == 0, text);
        Assert.Equal(Sha(plain), Sha(File.ReadAllBytes(output)));

        var wrong = await Assert.ThrowsAsync<AgeNoIdentityMatchesException>(() =>
            RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { Passphrase = "not the passphrase" }, CancellationToken.None));
        Assert.Contains(RepositoryKeyring.IdentityName, wrong.Message);
        Assert.DoesNotContain("not the passphrase", wrong.Message);
    }

    [Fact]
    public async Task Changed_truncated_swapped_and_forged_objects_are_detected_and_named()
    {
        await using var store = await NewStoreAsync();
        var owner = NewIdentityFile("owner.txt", out var ownerKey);
        using var codec = await RepositoryKeyring.CreateAsync(store,
            new RepositoryKeyMaterial { KeyFile = Dir.Combine("k.key"), Recipients = [ownerKey.ToString()], IdentityFiles = [owner] }, "repo4", CancellationToken.None);
        var a = new byte[2 * 65536 + 100];
        var b = new byte[2 * 65536 + 100];
        new Random(1).NextBytes(a);
        new Random(2).NextBytes(b);
        var nameA = await PutSealedAsync(store, codec, a);
        var nameB = await PutSealedAsync(store, codec, b);
        var sealedA = await GetAsync(store, $"data/{nameA[..2]}/{nameA}");

        async Task<JameyException> Replace(string name, byte[] bytes)
        {
            var key = $"data/{name[..2]}/{name}";
            await store.WriteAsync(key, new MemoryStream(bytes), new ObjectWrite(Sha(bytes), CreateOnly: false));
            return await Assert.ThrowsAnyAsync<JameyException>(() => OpenCheckedAsync(store, codec, name));
        }

        // Changed: one byte in the second chunk.
        var changed = (byte[])sealedA.Clone();
        changed[^70_000] ^= 1;
        var e = await Replace(nameA, changed);
        Assert.Equal(JameyErrors.AgeChunkAuthenticationFailed, e.Error);
        Assert.Contains(nameA, e.Message);

        // Truncated at a chunk boundary (the AEAD's last-chunk flag) and mid-chunk.
        var boundary = sealedA.Length - (100 + 16);
        e = await Replace(nameA, sealedA[..boundary]);
        Assert.Equal(JameyErrors.AgePayloadTruncated, e.Error);
        Assert.Contains(nameA, e.Message);
        e = await Replace(nameA, sealedA[..(sealedA.Length / 2)]);
        Assert.Equal(JameyErrors.AgeChunkAuthenticationFailed, e.Error);

        // Swapped: B's (valid) bytes under A's name decrypt fine, but to content whose keyed name is B's.
        e = await Replace(nameA, await GetAsync(store, $"data/{nameB[..2]}/{nameB}"));
        Assert.Equal(JameyErrors.ObjectNameMismatch, e.Error);
        Assert.Contains(nameA, e.Message);

        // Forged: the store encrypts content of its own to the (public) recipient; it cannot make the name match.
        var forged = new MemoryStream();
        Age.Encrypt(new MemoryStream("forged memories"u8.ToArray()), forged, [ownerKey]);
        e = await Replace(nameA, forged.ToArray());
        Assert.Equal(JameyErrors.ObjectNameMismatch, e.Error);

        // Repaired with the original bytes, it reads again.
        await store.WriteAsync($"data/{nameA[..2]}/{nameA}", new MemoryStream(sealedA), new ObjectWrite(Sha(sealedA), CreateOnly: false));
        Assert.Equal(a, await OpenCheckedAsync(store, codec, nameA));
    }

    [Fact]
    public async Task A_changed_recipient_list_is_refused_before_anything_is_encrypted_to_it_and_wrong_keys_are_named()
    {
        await using var store = await NewStoreAsync();
        NewIdentityFile("owner.txt", out var ownerKey);
        var keyFile = Dir.Combine("repository.key");
        using (await RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [ownerKey.ToString()] }, "repo5", CancellationToken.None)) { }

        // The store puts its own public key into the list: a write-only host must not encrypt to it.
        var original = await GetAsync(store, RepositoryKeyring.RecipientsName);
        using var attacker = X25519Identity.Generate();
        var swapped = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original).Replace(ownerKey.ToString(), attacker.Recipient.ToString()));
        await store.WriteAsync(RepositoryKeyring.RecipientsName, new MemoryStream(swapped), new ObjectWrite(Sha(swapped), CreateOnly: false));
        var e = await Assert.ThrowsAsync<JameyException>(() => RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None));
        Assert.Equal(JameyErrors.RecipientListTampered, e.Error);
        Assert.Contains(RepositoryKeyring.RecipientsName, e.Message);
        await store.WriteAsync(RepositoryKeyring.RecipientsName, new MemoryStream(original), new ObjectWrite(Sha(original), CreateOnly: false));

        // Another repository's key file is named as such.
        var otherKeyFile = Dir.Combine("other.key");
        using (var other = RepositoryKey.Generate()) other.WriteKeyFile(otherKeyFile, null);
        var mismatch = await Assert.ThrowsAsync<AgeKeyException>(() => RepositoryKeyring.OpenAsync(store, HostMaterial(otherKeyFile), CancellationToken.None));
        Assert.Equal(JameyErrors.RepositoryKeyMismatch, mismatch.Error);

        // A stranger's identity: clear error on keys/repository.age, and nothing written.
        var before = await ListAsync(store);
        var strangerFile = NewIdentityFile("stranger.txt", out _);
        var wrong = await Assert.ThrowsAsync<AgeNoIdentityMatchesException>(() =>
            RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [strangerFile] }, CancellationToken.None));
        Assert.Contains(RepositoryKeyring.WrappedKeyName, wrong.Message);
        var noKey = await Assert.ThrowsAsync<AgeKeyException>(() => RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial(), CancellationToken.None));
        Assert.Equal(JameyErrors.RepositoryKeyRequired, noKey.Error);
        Assert.Contains(ownerKey.ToString(), noKey.Message);
        var noPassphrase = await Assert.ThrowsAsync<AgeKeyException>(() => RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { Passphrase = "x" }, CancellationToken.None));
        Assert.Equal(JameyErrors.RepositoryHasNoPassphrase, noPassphrase.Error);
        Assert.Equal(before, await ListAsync(store));

        // A second setup at the same destination is refused (create-only keys), and no stray key file is left.
        var again = Dir.Combine("again.key");
        await Assert.ThrowsAnyAsync<ObjectStoreException>(() => RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = again, Recipients = [ownerKey.ToString()] }, "repo5", CancellationToken.None));
        Assert.False(File.Exists(again));
        Assert.Equal(before, await ListAsync(store));
    }

    static async Task<List<(string, string)>> ListAsync(IObjectStore store)
    {
        var all = new List<(string, string)>();
        await foreach (var o in store.ListAsync("")) all.Add((o.Key, Sha(await GetAsync(store, o.Key))));
        return all.OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Adding_and_removing_recipients_rewraps_the_key_and_objects_written_after_removal_are_closed_to_the_removed_key()
    {
        await using var store = await NewStoreAsync();
        var owner = NewIdentityFile("owner.txt", out var ownerKey);
        var laptop = NewIdentityFile("laptop.txt", out var laptopKey);
        var keyFile = Dir.Combine("repository.key");
        using (await RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [ownerKey.ToString()] }, "repo6", CancellationToken.None)) { }
        var before = new byte[1000];
        new Random(9).NextBytes(before);
        string beforeName;
        using (var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None))
            beforeName = await PutSealedAsync(store, host, before);

        // Add: the laptop can read the repository key and everything written from now on.
        var now = await RepositoryKeyring.ChangeRecipientsAsync(store, new RepositoryKeyMaterial { IdentityFiles = [owner] }, [laptopKey], [], CancellationToken.None);
        Assert.Equal([ownerKey, laptopKey], now);
        var afterAdd = new byte[1000];
        new Random(10).NextBytes(afterAdd);
        string afterAddName;
        using (var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None))
        {
            Assert.Equal([ownerKey, laptopKey], host.Recipients);
            afterAddName = await PutSealedAsync(store, host, afterAdd);
        }
        using (var asLaptop = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [laptop] }, CancellationToken.None))
            Assert.Equal(afterAdd, await OpenCheckedAsync(store, asLaptop, afterAddName));

        // Remove the owner (the laptop holds a private key): the owner's key opens neither the repository key
        // nor any object written afterwards; the laptop opens both.
        await RepositoryKeyring.ChangeRecipientsAsync(store, new RepositoryKeyMaterial { IdentityFiles = [laptop] }, [], [ownerKey], CancellationToken.None);
        var afterRemove = new byte[1000];
        new Random(11).NextBytes(afterRemove);
        string afterRemoveName;
        using (var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None))
        {
            Assert.Equal([laptopKey], host.Recipients);
            afterRemoveName = await PutSealedAsync(store, host, afterRemove);
        }
        var removedOut = Dir.Combine("removed.bin");
        var (code, _) = AgeTool.RunToFile(removedOut, "-d", "-i", owner, await DownloadAsync(store, $"data/{afterRemoveName[..2]}/{afterRemoveName}", "after.age"));
        Assert.NotEqual(0, code);
        await Assert.ThrowsAsync<AgeNoIdentityMatchesException>(() =>
            RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [owner] }, CancellationToken.None));
        var ownerIdentities = AgeKeyFile.ReadIdentities(owner);
        await using (var s = await store.OpenReadAsync($"data/{afterRemoveName[..2]}/{afterRemoveName}"))
            await Assert.ThrowsAsync<AgeNoIdentityMatchesException>(() => Age.DecryptAsync(s, Stream.Null, ownerIdentities, afterRemoveName));
        using (var asLaptop = await RepositoryKeyring.OpenAsync(store, new RepositoryKeyMaterial { IdentityFiles = [laptop] }, CancellationToken.None))
            Assert.Equal(afterRemove, await OpenCheckedAsync(store, asLaptop, afterRemoveName));

        // Refusals: removing a key that is not there, or the last one.
        var notThere = await Assert.ThrowsAsync<AgeKeyException>(() =>
            RepositoryKeyring.ChangeRecipientsAsync(store, new RepositoryKeyMaterial { IdentityFiles = [laptop] }, [], [ownerKey], CancellationToken.None));
        Assert.Equal(JameyErrors.RecipientNotFound, notThere.Error);
        var last = await Assert.ThrowsAsync<AgeKeyException>(() =>
            RepositoryKeyring.ChangeRecipientsAsync(store, new RepositoryKeyMaterial { IdentityFiles = [laptop] }, [], [laptopKey], CancellationToken.None));
        Assert.Equal(JameyErrors.AgeNoRecipients, last.Error);
        var noPrivate = await Assert.ThrowsAsync<AgeKeyException>(() =>
            RepositoryKeyring.ChangeRecipientsAsync(store, HostMaterial(keyFile), [ownerKey], [], CancellationToken.None));
        Assert.Equal(JameyErrors.RepositoryPrivateKeyMissing, noPrivate.Error);
        _ = beforeName;
    }

    [Fact]
    public async Task No_plaintext_passphrase_private_key_or_repository_key_appears_at_the_destination()
    {
        await using var store = await NewStoreAsync();
        var owner = NewIdentityFile("owner.txt", out var ownerKey);
        var keyFile = Dir.Combine("repository.key");
        using (await RepositoryKeyring.CreateAsync(store, new RepositoryKeyMaterial { KeyFile = keyFile, Recipients = [ownerKey.ToString()], Passphrase = Passphrase, WorkFactor = FastWorkFactor }, "repo7", CancellationToken.None)) { }
        const string marker = "JAMEY-PLAINTEXT-MARKER-7f3a";
        using (var host = await RepositoryKeyring.OpenAsync(store, HostMaterial(keyFile), CancellationToken.None))
        {
            await PutSealedAsync(store, host, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(marker + " row\n", 2000))));
            await PutSealedAsync(store, host, Encoding.UTF8.GetBytes("{\"text\":\"" + marker + "\"}"));
        }
        using var key = RepositoryKey.ReadKeyFile(keyFile);
        var secrets = new[]
        {
            marker, Passphrase, key.ToSecretString(), AgeKeyFile.ReadIdentities(owner)[0].ToSecretString(), "AGE-SECRET-KEY-", "JAMEY3-REPOSITORY-KEY-",
        };
        var objects = 0;
        await foreach (var o in store.ListAsync(""))
        {
            objects++;
            var text = Encoding.Latin1.GetString(await GetAsync(store, o.Key));
            foreach (var s in secrets) Assert.False(text.Contains(s, StringComparison.OrdinalIgnoreCase), $"{o.Key} holds '{s[..Math.Min(12, s.Length)]}…'");
        }
        Assert.Equal(5, objects); // keys/repository.age, keys/recipients.json, keys/identity.age, two objects
    }
}

public sealed class LocalEncryptedRepositoryTests : EncryptedRepositoryTests
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open(StoreLocation.Local(Dir.Combine("destination")));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class AzuriteEncryptedRepositoryTests(AzuriteFixture azurite) : EncryptedRepositoryTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/encrypted/{Guid.NewGuid():N}", azurite.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class S3EncryptedRepositoryTests(S3rverFixture s3rver) : EncryptedRepositoryTests, IClassFixture<S3rverFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"s3://encrypted/{Guid.NewGuid():N}", s3rver.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}
