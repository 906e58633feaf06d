using System.Security.Cryptography;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Tests.Stores;

static class StoreTestBytes
{
    public static byte[] Random(int size, int seed) { var b = new byte[size]; new Random(seed).NextBytes(b); return b; }
    public static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    public static async Task<byte[]> ReadAllAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    /// <summary>Two writers race for one key with create-only: exactly one must win, and its bytes must be what is stored.</summary>
    public static async Task OneOfTwoConcurrentCreatorsWins(IObjectStore a, IObjectStore b)
    {
        var one = Random(1 << 20, 1);
        var two = Random(1 << 20, 2);
        var results = await Task.WhenAll(
            Try(a.WriteAsync("race", new MemoryStream(one), new ObjectWrite(Sha(one)))),
            Try(b.WriteAsync("race", new MemoryStream(two), new ObjectWrite(Sha(two)))));
        Assert.Single(results, r => r is null);
        Assert.Single(results, r => r is ObjectAlreadyExistsException);
        var stored = await ReadAllAsync(a, "race");
        Assert.Equal(results[0] is null ? one : two, stored);

        static async Task<Exception?> Try(Task t) { try { await t; return null; } catch (Exception e) { return e; } }
    }
}

public sealed class LocalFolderStoreTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"jamey3-local-{Guid.NewGuid():N}");

    [Fact]
    public async Task Objects_and_folders_are_owner_only_and_temporaries_never_list()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var store = ObjectStores.Open(_root);
        await store.EnsureExistsAsync(create: true);
        var b = StoreTestBytes.Random(100, 1);
        await store.WriteAsync("data/ab/obj", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "data/ab/obj")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "data/ab")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "data")));
        // What a killed writer leaves behind is not an object.
        File.WriteAllText(Path.Combine(_root, "data/ab/.obj2.0123.tmp"), "partial");
        var keys = new List<string>();
        await foreach (var o in store.ListAsync("")) keys.Add(o.Key);
        Assert.Equal(["data/ab/obj"], keys);
    }

    [Fact]
    public async Task Concurrent_create_only_writers_cannot_both_win()
    {
        await using var a = ObjectStores.Open(_root);
        await using var b = ObjectStores.Open(_root);
        Assert.True(a.Capabilities.AtomicCreateOnly);
        await StoreTestBytes.OneOfTwoConcurrentCreatorsWins(a, b);
    }

    [Fact]
    public async Task A_missing_folder_is_reported_unless_created()
    {
        await using var store = ObjectStores.Open(Path.Combine(_root, "absent"));
        var e = await Assert.ThrowsAsync<ObjectStoreNotFoundException>(() => store.EnsureExistsAsync(create: false));
        Assert.Equal("ObjectStoreNotFound", e.ErrorId);
        Assert.Equal(JameyErrorKind.NotFound, e.Kind);
        await store.EnsureExistsAsync(create: true);
        Assert.True(Directory.Exists(Path.Combine(_root, "absent")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    async Task<IObjectStore> Open(ObjectStoreOptions? options = null, string container = "specific")
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/{container}/{Guid.NewGuid():N}", options ?? azurite.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    [Fact]
    public async Task A_large_object_is_staged_in_blocks_and_committed_only_when_its_hash_matches()
    {
        await using var store = await Open();
        var big = StoreTestBytes.Random(AzureBlobStore.SingleShotLimit * 2 + 12345, 3);
        await store.WriteAsync("big", new MemoryStream(big), new ObjectWrite(StoreTestBytes.Sha(big)));
        Assert.Equal(big, await StoreTestBytes.ReadAllAsync(store, "big"));

        // Blocks staged, then a wrong hash: the commit never happens, so no blob exists under the key.
        var e = await Assert.ThrowsAsync<ObjectIntegrityException>(() =>
            store.WriteAsync("big-bad", new MemoryStream(big), new ObjectWrite(StoreTestBytes.Sha([1, 2, 3]))));
        Assert.Contains("nothing was stored", e.Message);
        Assert.Null(await store.StatAsync("big-bad"));
        // Create-only holds in the block path too.
        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => store.WriteAsync("big", new MemoryStream(big), new ObjectWrite(StoreTestBytes.Sha(big))));
    }

    [Fact]
    public async Task Concurrent_create_only_writers_cannot_both_win()
    {
        await using var a = await Open();
        await using var b = ObjectStores.Open(a.Location, azurite.Options());
        await StoreTestBytes.OneOfTwoConcurrentCreatorsWins(a, b);
    }

    [Fact]
    public async Task Credentials_come_from_the_environment_like_the_sdk()
    {
        var location = $"azure://{AzuriteFixture.Account}/envcreds/{Guid.NewGuid():N}";
        var b = StoreTestBytes.Random(10, 1);
        // A connection string (with the emulator's BlobEndpoint) ...
        var byConnection = new ObjectStoreOptions { Environment = n => n == "AZURE_STORAGE_CONNECTION_STRING" ? azurite.ConnectionString : null };
        await using (var s = ObjectStores.Open(location, byConnection))
        {
            await s.EnsureExistsAsync(create: true);
            await s.WriteAsync("k", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b)));
        }
        // ... or an account key with the endpoint override.
        var byKey = new ObjectStoreOptions
        {
            Environment = n => n switch { "AZURE_STORAGE_KEY" => AzuriteFixture.AccountKey, "JAMEY3_AZURE_ENDPOINT" => azurite.Endpoint.ToString(), _ => null },
        };
        await using (var s = ObjectStores.Open(location, byKey))
            Assert.Equal(b, await StoreTestBytes.ReadAllAsync(s, "k"));

        // A connection string for another account is refused, without quoting it.
        var e = Assert.Throws<ObjectStoreCredentialException>(() => ObjectStores.Open("azure://otheraccount/other", byConnection));
        Assert.DoesNotContain(AzuriteFixture.AccountKey, e.ToString());
    }

    [Fact]
    public async Task A_wrong_key_is_access_denied_and_the_key_appears_nowhere()
    {
        const string wrong = "d3Jvbmcta2V5LXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVkLWFueXdoZXJlLWF0LWFsbA==";
        await using var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/specific/x",
            new ObjectStoreOptions { Credential = AzureStorageCredential.FromAccountKey(wrong), Endpoint = azurite.Endpoint });
        var b = StoreTestBytes.Random(10, 1);
        var e = await Assert.ThrowsAsync<ObjectStoreAccessDeniedException>(() => store.WriteAsync("k", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b))));
        Assert.Equal("ObjectStoreAccessDenied", e.ErrorId);
        Assert.Contains("azure://devstoreaccount1/specific/x", e.Message);
        Assert.DoesNotContain(wrong, e.ToString());
        Assert.DoesNotContain(wrong, e.Message);
    }

    [Fact]
    public async Task A_missing_container_and_an_unreachable_service_are_named()
    {
        await using var missing = ObjectStores.Open($"azure://{AzuriteFixture.Account}/nosuchcontainer/p", azurite.Options());
        var e = await Assert.ThrowsAsync<ObjectStoreNotFoundException>(() => missing.EnsureExistsAsync(create: false));
        Assert.Contains("container", e.Message);
        await Assert.ThrowsAsync<ObjectStoreNotFoundException>(async () => { await foreach (var _ in missing.ListAsync("")) { } });
    }
}

public sealed class S3ObjectStoreTests(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    async Task<IObjectStore> Open(ObjectStoreOptions? options = null)
    {
        var store = ObjectStores.Open($"s3://specific/{Guid.NewGuid():N}", options ?? s3rver.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    [Fact]
    public async Task The_sdk_defaults_against_s3rver_are_caught_by_the_end_to_end_check()
    {
        // The product's defaults (aws-chunked bodies with trailing checksums): s3rver stores the framing as content.
        await using var store = await Open(s3rver.Options() with { RequestChecksumCalculation = null, UseChunkEncoding = null });
        var b = StoreTestBytes.Random(3 << 20, 4);
        var e = await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.WriteAsync("framed", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b))));
        Assert.Equal("ObjectIntegrityMismatch", e.ErrorId);
        Assert.Contains("framed", e.Message);
        // The wrong bytes it kept were removed again: nothing corrupt stays under a content address.
        Assert.Null(await store.StatAsync("framed"));
    }

    [Fact]
    public async Task Create_only_without_conditional_writes_is_declared_as_not_atomic()
    {
        await using var store = await Open();
        Assert.False(store.Capabilities.AtomicCreateOnly);
        await using var conditional = await Open(s3rver.Options() with { ConditionalWrites = true });
        Assert.True(conditional.Capabilities.AtomicCreateOnly);
    }

    [Fact]
    public async Task Credentials_and_endpoint_come_from_the_aws_variables()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverFixture.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey,
            ["AWS_ENDPOINT_URL"] = s3rver.Endpoint.ToString(), ["AWS_REGION"] = "us-east-1",
            ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required", ["JAMEY3_S3_CONDITIONAL_WRITES"] = "false",
        };
        await using var store = ObjectStores.Open($"s3://envcreds/{Guid.NewGuid():N}",
            new ObjectStoreOptions { Environment = n => env.GetValueOrDefault(n), UseChunkEncoding = false, RequestChecksumCalculation = S3ChecksumMode.WhenRequired });
        await store.EnsureExistsAsync(create: true);
        var b = StoreTestBytes.Random(1000, 5);
        await store.WriteAsync("k", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b)));
        Assert.Equal(b, await StoreTestBytes.ReadAllAsync(store, "k"));
    }

    [Fact]
    public async Task A_refused_key_is_access_denied_and_its_secret_appears_nowhere()
    {
        // s3rver does not check SigV4 signatures, only that the access key id exists: refuse by an unknown id.
        const string wrong = "wrong-secret-that-must-never-be-printed-0123456789";
        await using var store = ObjectStores.Open("s3://specific/x", s3rver.Options() with { Credential = new S3Credential("AKIAUNKNOWN", wrong) });
        var b = StoreTestBytes.Random(10, 1);
        var e = await Assert.ThrowsAsync<ObjectStoreAccessDeniedException>(() => store.WriteAsync("k", new MemoryStream(b), new ObjectWrite(StoreTestBytes.Sha(b))));
        Assert.Contains("s3://specific/x", e.Message);
        Assert.DoesNotContain(wrong, e.ToString());
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_unavailable_and_named()
    {
        await using var store = ObjectStores.Open("s3://specific/x", s3rver.Options() with { Endpoint = new Uri("http://127.0.0.1:1") });
        var e = await Assert.ThrowsAsync<ObjectStoreUnavailableException>(() => store.StatAsync("k"));
        Assert.Equal("ObjectStoreUnavailable", e.ErrorId);
        Assert.Contains("s3://specific/x", e.Message);
    }
}

public sealed class SftpObjectStoreTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task An_unknown_host_key_is_refused_never_trusted()
    {
        var otherKnownHosts = Path.Combine(sshd.Folder, "empty_known_hosts");
        File.WriteAllText(otherKnownHosts, "");
        await using var unknown = ObjectStores.Open(sshd.Location("hk"), sshd.Options() with { KnownHostsFile = otherKnownHosts });
        var e = await Assert.ThrowsAsync<ObjectStoreAccessDeniedException>(() => unknown.EnsureExistsAsync(create: true));
        Assert.Contains("host key", e.Message);

        await using var wrongPin = ObjectStores.Open(sshd.Location("hk"), sshd.Options() with { HostKeyFingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
        await Assert.ThrowsAsync<ObjectStoreAccessDeniedException>(() => wrongPin.EnsureExistsAsync(create: true));

        await using var pinned = ObjectStores.Open(sshd.Location("hk"), sshd.Options() with { HostKeyFingerprint = sshd.HostFingerprint, KnownHostsFile = otherKnownHosts });
        await pinned.EnsureExistsAsync(create: true);
    }

    [Fact]
    public async Task Concurrent_create_only_writers_cannot_both_win_and_files_are_owner_only()
    {
        await using var a = ObjectStores.Open(sshd.Location("race"), sshd.Options());
        await a.EnsureExistsAsync(create: true);
        await using var b = ObjectStores.Open(sshd.Location("race"), sshd.Options());
        await StoreTestBytes.OneOfTwoConcurrentCreatorsWins(a, b);
        // The server runs on this machine: its files can be inspected directly.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(sshd.Root, "race", "race")));
    }

    [Fact]
    public async Task A_key_the_server_does_not_accept_is_access_denied()
    {
        var other = Path.Combine(sshd.Folder, "unauthorized");
        var p = System.Diagnostics.Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other])!;
        await p.WaitForExitAsync();
        await using var store = ObjectStores.Open(sshd.Location("denied"), sshd.Options() with { Credential = SftpCredential.FromPrivateKeyFile(other) });
        var e = await Assert.ThrowsAsync<ObjectStoreAccessDeniedException>(() => store.EnsureExistsAsync(create: true));
        Assert.DoesNotContain(File.ReadAllText(other).Split('\n')[1], e.ToString());
    }
}
