using System.Security.Cryptography;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Tests.Stores;

/// <summary>
/// The one contract every store must keep, run against each real store (a folder, Azurite, s3rver, sshd).
/// Every test works under a fresh prefix of its own, so tests of one store share its server safely.
/// </summary>
public abstract class StoreContractTests
{
    /// <summary>A store rooted at a fresh, empty place.</summary>
    protected abstract Task<IObjectStore> NewStoreAsync(int? pageSize = null);

    protected static byte[] Bytes(int size, int seed = 1)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    protected static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    protected static async Task<byte[]> ReadAllAsync(IObjectStore store, string key, ByteRange? range = null, CancellationToken ct = default)
    {
        await using var s = await store.OpenReadAsync(key, range, ct);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        return ms.ToArray();
    }

    protected static Task<StoredObject> PutAsync(IObjectStore store, string key, byte[] content, bool createOnly = true, CancellationToken ct = default) =>
        store.WriteAsync(key, new MemoryStream(content), new ObjectWrite(Sha(content), createOnly), ct);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_537)]
    [InlineData(3 << 20)]
    public async Task Round_trips_exact_bytes(int size)
    {
        await using var store = await NewStoreAsync();
        var content = Bytes(size, size);
        var written = await PutAsync(store, "data/ab/object", content);
        Assert.Equal(size, written.Size);
        Assert.Equal(content, await ReadAllAsync(store, "data/ab/object"));
        var stat = await store.StatAsync("data/ab/object");
        Assert.NotNull(stat);
        Assert.Equal(size, stat.Size);
        Assert.Equal("data/ab/object", stat.Key);
    }

    [Fact]
    public async Task Reads_byte_ranges()
    {
        await using var store = await NewStoreAsync();
        var content = Bytes(100_000, 5);
        await PutAsync(store, "r", content);
        Assert.Equal(content[..10], await ReadAllAsync(store, "r", new ByteRange(0, 10)));
        Assert.Equal(content[1234..(1234 + 40_000)], await ReadAllAsync(store, "r", new ByteRange(1234, 40_000)));
        Assert.Equal(content[^5..], await ReadAllAsync(store, "r", new ByteRange(content.Length - 5, 5)));
        Assert.Equal(content[99_000..], await ReadAllAsync(store, "r", new ByteRange(99_000)));
        Assert.Empty(await ReadAllAsync(store, "r", new ByteRange(content.Length, 0)));
        Assert.Empty(await ReadAllAsync(store, "r", new ByteRange(content.Length)));
        var past = await Assert.ThrowsAsync<ObjectRangeException>(() => ReadAllAsync(store, "r", new ByteRange(content.Length - 5, 10)));
        Assert.Equal("ObjectRangeInvalid", past.ErrorId);
        await Assert.ThrowsAsync<ObjectRangeException>(() => ReadAllAsync(store, "r", new ByteRange(content.Length + 1, 1)));
    }

    [Fact]
    public async Task Create_only_refuses_an_existing_object_and_keeps_it()
    {
        await using var store = await NewStoreAsync();
        var first = Bytes(1000, 1);
        var second = Bytes(2000, 2);
        await PutAsync(store, "manifests/one", first);
        var e = await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => PutAsync(store, "manifests/one", second));
        Assert.Equal("ObjectAlreadyExists", e.ErrorId);
        Assert.Contains("manifests/one", e.Message);
        Assert.Equal(first, await ReadAllAsync(store, "manifests/one"));
        // Replacing is allowed only when asked for.
        await PutAsync(store, "manifests/one", second, createOnly: false);
        Assert.Equal(second, await ReadAllAsync(store, "manifests/one"));
    }

    [Fact]
    public async Task Lists_by_prefix_across_pages()
    {
        await using var store = await NewStoreAsync(pageSize: 10);
        var expected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await Parallel.ForAsync(0, 25, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var b = Bytes(i + 1, i);
            await PutAsync(store, $"data/{i:x2}/{i:D4}", b, ct: ct);
            lock (expected) expected[$"data/{i:x2}/{i:D4}"] = b.Length;
        });
        foreach (var k in new[] { "index/a", "index/b", "indexes" }) await PutAsync(store, k, Bytes(3));

        var data = new List<StoredObject>();
        await foreach (var o in store.ListAsync("data/")) data.Add(o);
        Assert.Equal(expected.Keys, data.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.All(data, o => Assert.Equal(expected[o.Key], o.Size));

        var index = new List<string>();
        await foreach (var o in store.ListAsync("index")) index.Add(o.Key);
        Assert.Equal(["index/a", "index/b", "indexes"], index.Order(StringComparer.Ordinal));

        int all = 0;
        await foreach (var _ in store.ListAsync("")) all++;
        Assert.Equal(28, all);

        await foreach (var _ in store.ListAsync("nothing/")) Assert.Fail("an empty prefix listed something");
    }

    [Fact]
    public async Task Deletes_and_tolerates_deleting_a_missing_object()
    {
        await using var store = await NewStoreAsync();
        await PutAsync(store, "d/x", Bytes(10));
        await store.DeleteAsync("d/x");
        Assert.Null(await store.StatAsync("d/x"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.OpenReadAsync("d/x"));
        Assert.Equal("ObjectNotFound", e.ErrorId);
        Assert.Contains("d/x", e.Message);
        await store.DeleteAsync("d/x");
        await store.DeleteAsync("never/there");
    }

    [Fact]
    public async Task A_missing_object_is_named()
    {
        await using var store = await NewStoreAsync();
        Assert.Null(await store.StatAsync("no/such"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => ReadAllAsync(store, "no/such"));
        Assert.Equal(store.Location, e.Location);
        Assert.Equal("no/such", e.Key);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => ReadAllAsync(store, "no/such", new ByteRange(0, 4)));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_their_hash_are_refused_and_leave_nothing()
    {
        await using var store = await NewStoreAsync();
        var content = Bytes(3 << 20, 9);
        var claimed = Sha(Bytes(3 << 20, 10)); // e.g. the source changed after it was hashed, or was corrupted on the way
        var e = await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.WriteAsync("data/bad", new MemoryStream(content), new ObjectWrite(claimed)));
        Assert.Equal("ObjectIntegrityMismatch", e.ErrorId);
        Assert.Contains("data/bad", e.Message);
        Assert.Null(await store.StatAsync("data/bad"));
        await foreach (var o in store.ListAsync("")) Assert.Fail($"a refused write left {o.Key}");
        // And the key is still free for the right bytes.
        await PutAsync(store, "data/bad", content);
        Assert.Equal(content, await ReadAllAsync(store, "data/bad"));
    }

    [Fact]
    public async Task A_cancelled_write_stores_nothing()
    {
        await using var store = await NewStoreAsync();
        var content = Bytes(3 << 20, 11);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PutAsync(store, "c/early", content, ct: cts.Token));
        Assert.Null(await store.StatAsync("c/early"));

        // Cancelled part-way: the source cancels after its first megabyte has been read.
        using var mid = new CancellationTokenSource();
        var source = new CancellingStream(content, 1 << 20, mid);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync("c/mid", source, new ObjectWrite(Sha(content)), mid.Token));
        Assert.Null(await store.StatAsync("c/mid"));
        await foreach (var o in store.ListAsync("")) Assert.Fail($"a cancelled write left {o.Key}");

        using var readCancel = new CancellationTokenSource();
        await PutAsync(store, "c/read", content);
        readCancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAllAsync(store, "c/read", ct: readCancel.Token));
    }

    [Fact]
    public async Task Unsafe_keys_are_refused()
    {
        await using var store = await NewStoreAsync();
        foreach (var key in new[] { "", "/abs", "a//b", "a/../b", "a/./b", ".hidden", "a/.tmp", "a\\b", "trailing/", "c:d", "nul\0" })
        {
            var e = await Assert.ThrowsAsync<ObjectKeyException>(() => PutAsync(store, key, Bytes(1)));
            Assert.Equal("ObjectKeyInvalid", e.ErrorId);
            await Assert.ThrowsAsync<ObjectKeyException>(() => store.OpenReadAsync(key));
        }
        await foreach (var o in store.ListAsync("")) Assert.Fail($"a refused key left {o.Key}");
    }

    /// <summary>A source that cancels its token once it has handed out <c>after</c> bytes, as Ctrl+C during an upload would.</summary>
    sealed class CancellingStream(byte[] content, int after, CancellationTokenSource cts) : MemoryStream(content, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= after) { cts.Cancel(); cancellationToken.ThrowIfCancellationRequested(); }
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 256 * 1024)], cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= after) { cts.Cancel(); cts.Token.ThrowIfCancellationRequested(); }
            return base.Read(buffer, offset, Math.Min(count, 256 * 1024));
        }
    }
}

public sealed class LocalFolderStoreContractTests : StoreContractTests, IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"jamey3-store-{Guid.NewGuid():N}");

    protected override Task<IObjectStore> NewStoreAsync(int? pageSize = null) =>
        Task.FromResult(ObjectStores.Open(Path.Combine(_root, Guid.NewGuid().ToString("N")), new ObjectStoreOptions { ListPageSize = pageSize }));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

public sealed class AzureBlobStoreContractTests(AzuriteFixture azurite) : StoreContractTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync(int? pageSize = null)
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/contract/{Guid.NewGuid():N}", azurite.Options(pageSize));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class S3ObjectStoreContractTests(S3rverFixture s3rver) : StoreContractTests, IClassFixture<S3rverFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync(int? pageSize = null)
    {
        var store = ObjectStores.Open($"s3://contract/{Guid.NewGuid():N}", s3rver.Options(pageSize));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class SftpObjectStoreContractTests(SshdFixture sshd) : StoreContractTests, IClassFixture<SshdFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync(int? pageSize = null)
    {
        var store = ObjectStores.Open(sshd.Location(Guid.NewGuid().ToString("N")), sshd.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}
