using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Jamey3.Engine.Stores;

/// <summary>
/// Objects as block blobs in one container, under the location's prefix (Azure.Storage.Blobs 12.x).
/// Create-only is the service's own If-None-Match: *. An object up to <see cref="SingleShotLimit"/> is one
/// Put Blob whose Content-MD5 the service checks; a larger one is staged in blocks (each with its Content-MD5)
/// and committed, with If-None-Match: *, only after the whole object's SHA-256 matched the caller's: until the
/// commit no reader sees anything, and uncommitted blocks are discarded by the service.
/// </summary>
public sealed class AzureBlobStore : IObjectStore
{
    /// <summary>One request below this size; blocks of this size above it.</summary>
    internal const int SingleShotLimit = 8 << 20;

    readonly BlobContainerClient _container;
    readonly string[] _secrets;
    readonly int? _pageSize;

    AzureBlobStore(StoreLocation location, BlobContainerClient container, string[] secrets, int? pageSize)
    {
        Location = location; _container = container; _secrets = secrets; _pageSize = pageSize;
    }

    public StoreLocation Location { get; }
    public StoreCapabilities Capabilities { get; } = new(AtomicCreateOnly: true, ServerIntegrityCheck: true, Durable: true);

    internal static AzureBlobStore Create(StoreLocation location, ObjectStoreOptions options)
    {
        var account = location.Account!;
        var clientOptions = new BlobClientOptions();
        BlobServiceClient service;
        var secrets = new List<string>(options.SecretValues);
        var explicitCredential = options.Credential as AzureStorageCredential;
        if (options.Credential is not null && explicitCredential is null)
            throw new ObjectStoreCredentialException(location, $"An {options.Credential.Description} cannot be used for Azure Blob Storage; give an account key, a SAS token or a connection string.");
        var connectionString = explicitCredential is null ? options.Env("AZURE_STORAGE_CONNECTION_STRING") : explicitCredential.ConnectionString;
        var endpoint = options.Endpoint ?? (options.Env("JAMEY3_AZURE_ENDPOINT") is { } e ? ParseEndpoint(location, e) : null);
        try
        {
            if (connectionString is not null)
            {
                if (explicitCredential is null) secrets.AddRange(AzureStorageCredential.FromConnectionString(connectionString).SecretValues);
                service = new BlobServiceClient(connectionString, clientOptions);
                if (!string.Equals(service.AccountName, account, StringComparison.Ordinal))
                    throw new ObjectStoreCredentialException(location, $"The Azure connection string is for the account '{service.AccountName}', not '{account}'.");
            }
            else
            {
                var uri = endpoint ?? new Uri($"https://{account}.blob.core.windows.net");
                var key = explicitCredential is null ? options.Env("AZURE_STORAGE_KEY") : explicitCredential.AccountKey;
                var sas = explicitCredential is null ? options.Env("AZURE_STORAGE_SAS_TOKEN") : explicitCredential.SasToken;
                if (key is not null)
                {
                    secrets.Add(key);
                    service = new BlobServiceClient(uri, new StorageSharedKeyCredential(account, key), clientOptions);
                }
                else if (sas is not null)
                {
                    secrets.AddRange(AzureStorageCredential.FromSasToken(sas).SecretValues);
                    service = new BlobServiceClient(uri, new AzureSasCredential(sas.TrimStart('?')), clientOptions);
                }
                else
                {
                    throw new ObjectStoreCredentialException(location,
                        "No credential for Azure Blob Storage: pass -Credential, or set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN.");
                }
            }
        }
        catch (FormatException fe)
        {
            // The SDK's parse errors may quote the connection string: say only what is wrong.
            throw new ObjectStoreCredentialException(location, $"The Azure credential is not well formed ({fe.GetType().Name}).");
        }
        catch (ArgumentException ae) when (ae is not ArgumentNullException)
        {
            throw new ObjectStoreCredentialException(location, $"The Azure credential is not well formed ({Secrets.Scrub(ae.Message, secrets)}).");
        }
        return new AzureBlobStore(location, service.GetBlobContainerClient(location.Container), secrets.ToArray(), options.ListPageSize);
    }

    static Uri ParseEndpoint(StoreLocation location, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)
            ? uri
            : throw new ObjectStoreCredentialException(location, "JAMEY3_AZURE_ENDPOINT is not an http(s) URL without a query string.");

    string BlobName(string key) => Location.Prefix.Length == 0 ? key : Location.Prefix + "/" + key;

    public async Task EnsureExistsAsync(bool create, CancellationToken cancellationToken = default)
    {
        try
        {
            if (create) await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            else if (!(await _container.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
                throw new ObjectStoreNotFoundException(Location, "container", null, _secrets);
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, null); }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var full = Location.Prefix.Length == 0 ? prefix : Location.Prefix + "/" + prefix;
        int strip = Location.Prefix.Length == 0 ? 0 : Location.Prefix.Length + 1;
        var pages = _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, full, cancellationToken).AsPages(pageSizeHint: _pageSize);
        await using var e = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            Page<BlobItem> page;
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
                page = e.Current;
            }
            catch (Exception ex) when (IsStoreFailure(ex)) { throw Map(ex, null); }
            foreach (var item in page.Values)
            {
                var key = item.Name[strip..];
                if (key.Split('/').Any(s => s.Length == 0 || s.StartsWith('.'))) continue; // not ours to interpret
                yield return new StoredObject(key, item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? default, item.Properties.ETag?.ToString());
            }
        }
    }

    public async Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            var p = (await _container.GetBlobClient(BlobName(key)).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new StoredObject(key, p.ContentLength, p.LastModified, p.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != "ContainerNotFound") { return null; }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        range?.Validate();
        var blob = _container.GetBlobClient(BlobName(key));
        try
        {
            if (range is { Length: 0 } empty)
            {
                // An empty range cannot be expressed in HTTP: check existence and bounds, return nothing.
                var size = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ContentLength;
                if (empty.Offset > size) throw new ObjectRangeException(Location, key, empty, size);
                return new MemoryStream([], writable: false);
            }
            var options = new BlobDownloadOptions();
            if (range is { } r) options.Range = new HttpRange(r.Offset, r.Length);
            var result = (await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false)).Value;
            long length = result.Details.ContentLength;
            if (range is { Length: { } want } rr && length != want)
            {
                await result.Content.DisposeAsync().ConfigureAwait(false);
                throw new ObjectRangeException(Location, key, rr, result.Details.ContentRange is { } cr && cr.LastIndexOf('/') is var i and > 0 && long.TryParse(cr[(i + 1)..], out var total) ? total : -1);
            }
            return new ExactLengthStream(result.Content, length, n => new ObjectStoreUnavailableException(Location, key, $"the download ended after {n} of {length} bytes.", null, _secrets));
        }
        catch (RequestFailedException e) when (e.Status == 416 && range is { } r)
        {
            // Offset at or past the end: the end itself is a valid, empty range.
            var size = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ContentLength;
            if (r.Offset == size && r.Length is null or 0) return new MemoryStream([], writable: false);
            throw new ObjectRangeException(Location, key, r, size);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != "ContainerNotFound") { throw new ObjectNotFoundException(Location, key, e, _secrets); }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public async Task<StoredObject> WriteAsync(string key, Stream content, ObjectWrite write, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        var expected = ObjectHash.ParseSha256(write.Sha256);
        var blob = _container.GetBlockBlobClient(BlobName(key));
        var conditions = write.CreateOnly ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(SingleShotLimit);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            int n = await StreamBlocks.ReadBlockAsync(content, buffer.AsMemory(0, SingleShotLimit), cancellationToken).ConfigureAwait(false);
            sha.AppendData(buffer, 0, n);
            if (n < SingleShotLimit)
            {
                // Whole object in memory: check it before anything is sent.
                CheckSha(key, sha.GetHashAndReset(), expected, write.Sha256);
                var hash = MD5.HashData(buffer.AsSpan(0, n));
                var info = (await blob.UploadAsync(new MemoryStream(buffer, 0, n, writable: false), new BlobUploadOptions
                {
                    Conditions = conditions,
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream", ContentHash = hash },
                    // The SDK sends the MD5 of exactly this buffer as Content-MD5 (a precalculated one is refused here).
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                    TransferOptions = new StorageTransferOptions { InitialTransferSize = SingleShotLimit, MaximumTransferSize = SingleShotLimit, MaximumConcurrency = 1 },
                }, cancellationToken).ConfigureAwait(false)).Value;
                if (info.ContentHash is { Length: > 0 } echoed && !echoed.AsSpan().SequenceEqual(hash))
                    throw new ObjectIntegrityException(Location, key, "the service's Content-MD5 differs from the bytes sent.", null, _secrets);
                return new StoredObject(key, n, info.LastModified, info.ETag.ToString());
            }

            // Large object: blocks first, the commit (which makes it visible) only once the whole hash matched.
            var ids = new List<string>();
            long total = 0;
            while (n > 0)
            {
                md5.AppendData(buffer, 0, n);
                var id = Convert.ToBase64String(BitConverter.GetBytes((long)ids.Count).Concat(Guid.NewGuid().ToByteArray()).ToArray());
                await blob.StageBlockAsync(id, new MemoryStream(buffer, 0, n, writable: false), new BlockBlobStageBlockOptions
                {
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = MD5.HashData(buffer.AsSpan(0, n)) },
                }, cancellationToken).ConfigureAwait(false);
                ids.Add(id);
                total += n;
                n = await StreamBlocks.ReadBlockAsync(content, buffer.AsMemory(0, SingleShotLimit), cancellationToken).ConfigureAwait(false);
                sha.AppendData(buffer, 0, n);
            }
            CheckSha(key, sha.GetHashAndReset(), expected, write.Sha256);
            cancellationToken.ThrowIfCancellationRequested();
            var committed = (await blob.CommitBlockListAsync(ids, new CommitBlockListOptions
            {
                Conditions = conditions,
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream", ContentHash = md5.GetHashAndReset() },
            }, cancellationToken).ConfigureAwait(false)).Value;
            return new StoredObject(key, total, committed.LastModified, committed.ETag.ToString());
        }
        catch (RequestFailedException e) when (write.CreateOnly && (e.Status == 412 || e.ErrorCode == "BlobAlreadyExists"))
        {
            throw new ObjectAlreadyExistsException(Location, key, e, _secrets);
        }
        catch (RequestFailedException e) when (e.ErrorCode is "Md5Mismatch" or "Crc64Mismatch" or "InvalidMd5")
        {
            throw new ObjectIntegrityException(Location, key, $"the service received different bytes than were sent (HTTP {e.Status} {e.ErrorCode}); nothing was stored.", e, _secrets);
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
    }

    void CheckSha(string key, byte[] actual, byte[] expected, string expectedText)
    {
        if (!actual.AsSpan().SequenceEqual(expected))
            throw new ObjectIntegrityException(Location, key, $"the bytes read hash to {ObjectHash.Hex(actual)}, not the expected {expectedText.ToLowerInvariant()}; nothing was stored.", null, _secrets);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            await _container.GetBlobClient(BlobName(key)).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != "ContainerNotFound") { }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    static bool IsStoreFailure(Exception e) => e is RequestFailedException or HttpRequestException or IOException or AggregateException;

    ObjectStoreException Map(Exception e, string? key)
    {
        if (e is ObjectStoreException ose) return ose;
        if (e is RequestFailedException rfe && rfe.Status != 0)
        {
            var reason = $"HTTP {rfe.Status} {rfe.ErrorCode}".TrimEnd() + ".";
            return rfe.Status switch
            {
                401 or 403 => new ObjectStoreAccessDeniedException(Location, key, reason, rfe, _secrets),
                404 when rfe.ErrorCode == "ContainerNotFound" => new ObjectStoreNotFoundException(Location, "container", rfe, _secrets),
                404 when key is not null => new ObjectNotFoundException(Location, key, rfe, _secrets),
                408 or 429 or >= 500 => new ObjectStoreUnavailableException(Location, key, reason, rfe, _secrets),
                _ => new ObjectStoreRequestException(Location, key, reason, rfe, _secrets),
            };
        }
        var root = e is AggregateException ae ? ae.Flatten().InnerExceptions.FirstOrDefault() ?? e : e;
        var detail = (root.InnerException ?? root).Message;
        return new ObjectStoreUnavailableException(Location, key, Secrets.Scrub(detail, _secrets), e, _secrets);
    }
}
