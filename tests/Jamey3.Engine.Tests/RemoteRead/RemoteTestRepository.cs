using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Tests.RemoteRead;

/// <summary>
/// Writes a local backup into a remote repository exactly as docs/remote-format.md lays it out (config, one object per
/// stored part named by its content hash, the index, the manifest last), so the readers are tested on their own,
/// against the format rather than against one writer's code.
/// </summary>
internal static class RemoteTestRepository
{
    public static async Task<RemoteRepository> PublishAsync(IObjectStore store, BackupRepository local, string backupId)
    {
        var codec = PlainObjectCodec.Instance;
        var repo = await RemoteRepository.OpenOrCreateAsync(store, codec);
        var content = BackupContent.Open(local, backupId);
        var m = content.Manifest;
        var objects = new List<RemoteObjectRef>();
        foreach (var f in m.Files)
        {
            var parts = f.Chunks is null
                ? [(f.Sha256, f.Stored, f.Compression)]
                : f.Chunks.Select(c => (c.Sha256, c.Stored, c.Compression)).ToList();
            foreach (var (sha, stored, compression) in parts)
            {
                var name = codec.NameFor(sha);
                var bytes = await File.ReadAllBytesAsync(content.StoredPath(stored));
                var storedSha = RemoteIndex.Sha256Of(bytes);
                try { await store.WriteAsync(RemoteLayout.ObjectKey(name), new MemoryStream(bytes), new ObjectWrite(storedSha)); }
                catch (ObjectAlreadyExistsException) { }
                objects.Add(new RemoteObjectRef(name, compression, bytes.Length, storedSha));
            }
        }
        var manifest = new RemoteManifest { BackupId = backupId, CopiedAt = DateTimeOffset.UtcNow, Objects = objects, Manifest = m };
        var index = manifest.ToIndex().Tagged(codec).ToJson();
        manifest.IndexSha256 = RemoteIndex.Sha256Of(index);
        await repo.PutAsync(RemoteLayout.IndexKey(backupId), index, createOnly: true, default);
        await repo.PutAsync(RemoteLayout.ManifestKey(backupId), await repo.SealAsync(manifest.ToJson(), default), createOnly: true, default);
        return repo;
    }

    /// <summary>Replaces an object at the destination (tests of damage: the one replace the format knows is the copier's repair).</summary>
    public static async Task ReplaceAsync(IObjectStore store, string key, byte[] bytes) =>
        await store.WriteAsync(key, new MemoryStream(bytes), new ObjectWrite(RemoteIndex.Sha256Of(bytes), CreateOnly: false));

    public static async Task<byte[]> ReadAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }
}
