using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Jamey3.Engine.Errors;
using Jamey3.Engine.IO;

namespace Jamey3.Engine.Stores;

/// <summary>
/// Objects as files under a folder: a key's segments are sub-folders. A write goes to a temporary
/// '.'-file beside the target, is hashed and fsynced, then linked into place without replacing anything
/// (File.Move without overwrite is link+unlink on Unix and MoveFileEx on Windows, both atomic), and the
/// folder is fsynced. Files are owner-only (0600, folders 0700): backups hold private memories.
/// </summary>
public sealed class LocalFolderStore : IObjectStore
{
    const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode DirMode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const int BufferSize = 1 << 20;

    readonly string _root;

    public LocalFolderStore(StoreLocation location)
    {
        if (location.Kind != StoreKind.Local) throw new ArgumentException("Not a local location.", nameof(location));
        Location = location;
        _root = location.Path!;
    }

    public StoreLocation Location { get; }
    public StoreCapabilities Capabilities { get; } = new(AtomicCreateOnly: true, ServerIntegrityCheck: false, Durable: true);

    public Task EnsureExistsAsync(bool create, CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(_root)) return Task.CompletedTask;
        if (!create) throw new ObjectStoreNotFoundException(Location, "folder");
        try { CreateFolder(_root); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, null); }
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        // Only the folder the prefix's complete segments name needs walking.
        int slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(start)) yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint, ReturnSpecialDirectories = false };
        IEnumerator<string> files;
        try { files = Directory.EnumerateFiles(start, "*", options).GetEnumerator(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, null); }
        using (files)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    if (!files.MoveNext()) break;
                }
                catch (DirectoryNotFoundException) { break; } // the folder went away while listing
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, null); }
                var key = Path.GetRelativePath(_root, files.Current).Replace(Path.DirectorySeparatorChar, '/');
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.Split('/').Any(s => s.StartsWith('.'))) continue;
                var info = new FileInfo(files.Current);
                if (!info.Exists) continue; // deleted since it was listed
                yield return new StoredObject(key, info.Length, info.LastWriteTimeUtc);
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists && info.LinkTarget is null ? new StoredObject(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        range?.Validate();
        FileStream file;
        try
        {
            var info = new FileInfo(PathOf(key));
            if (info.LinkTarget is not null) throw new ObjectNotFoundException(Location, key); // a link is not a stored object
            file = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new ObjectNotFoundException(Location, key, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, key); }
        if (range is not { } r) return Task.FromResult<Stream>(new ExactLengthStream(file, file.Length, n => Truncated(key, n)));
        long size = file.Length;
        if (r.Offset > size || (r.Length is { } len && r.Offset + len > size))
        {
            file.Dispose();
            throw new ObjectRangeException(Location, key, r, size);
        }
        file.Position = r.Offset;
        return Task.FromResult<Stream>(new ExactLengthStream(file, r.Length ?? size - r.Offset, n => Truncated(key, n), window: true));
    }

    public async Task<StoredObject> WriteAsync(string key, Stream content, ObjectWrite write, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        var expected = ObjectHash.ParseSha256(write.Sha256);
        var target = PathOf(key);
        var folder = Path.GetDirectoryName(target)!;
        if (write.CreateOnly && File.Exists(target)) throw new ObjectAlreadyExistsException(Location, key);
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            CreateFolder(folder);
            byte[] actual;
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = FileMode600;
            await using (var file = new FileStream(temp, fileOptions))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    while ((n = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        sha.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    }
                }
                finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
                actual = sha.GetHashAndReset();
                file.Flush(flushToDisk: true);
            }
            if (!actual.AsSpan().SequenceEqual(expected))
                throw new ObjectIntegrityException(Location, key, $"the bytes written hash to {ObjectHash.Hex(actual)}, not the expected {write.Sha256.ToLowerInvariant()}; nothing was stored.");
            cancellationToken.ThrowIfCancellationRequested();
            try { File.Move(temp, target, overwrite: !write.CreateOnly); }
            catch (IOException) when (write.CreateOnly && File.Exists(target)) { throw new ObjectAlreadyExistsException(Location, key); }
            Durability.FlushDirectory(folder);
            var info = new FileInfo(target);
            return new StoredObject(key, info.Length, info.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, key); }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var path = PathOf(key);
        try
        {
            if (!File.Exists(path) && new FileInfo(path).LinkTarget is null) return Task.CompletedTask;
            File.Delete(path);
            Durability.FlushDirectory(Path.GetDirectoryName(path)!);
        }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Map(e, key); }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    string PathOf(string key) => Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));

    static void CreateFolder(string folder)
    {
        if (Directory.Exists(folder)) return;
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return; }
        // Every level this creates is owner-only (CreateDirectory's mode applies to the last one only).
        var parent = Path.GetDirectoryName(folder);
        if (parent is not null) CreateFolder(parent);
        try { Directory.CreateDirectory(folder, DirMode700); }
        catch (IOException) when (Directory.Exists(folder)) { } // a concurrent writer made it
    }

    ObjectStoreException Truncated(string key, long read) =>
        new ObjectIntegrityException(Location, key, $"the file changed size while it was read ({read} bytes).");

    ObjectStoreException Map(Exception e, string? key) => e switch
    {
        UnauthorizedAccessException => new ObjectStoreAccessDeniedException(Location, key, e.Message, e),
        _ => new ObjectStoreRequestException(Location, key, e.Message, e),
    };
}
