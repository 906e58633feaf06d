using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using Amazon.S3.Model;

namespace Jamey3.Engine.Stores;

/// <summary>
/// Objects in an S3 bucket (or an S3-compatible service), under the location's prefix (AWSSDK.S3).
/// A write hashes the (seekable) content first, so a wrong SHA-256 sends nothing, then PUTs it with that pass's
/// Content-MD5, which the service checks against what it received (so a source that changed between the two
/// passes is refused too), and If-None-Match: * for create-only where the service supports it. The returned
/// ETag, for a plain single-part object the MD5 of what the service stored, is compared as well: that catches a
/// service that stores something else than it was sent (s3rver keeps aws-chunked framing, see GUIDE §4), and
/// the object it created is then deleted again.
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    /// <summary>S3's limit for one PUT; objects in the repository format are far smaller (chunks and files).</summary>
    internal const long SinglePutLimit = 5L << 30;

    readonly IAmazonS3 _client;
    readonly string _bucket;
    readonly string[] _secrets;
    readonly bool _conditionalWrites;
    readonly bool? _useChunkEncoding;
    readonly int? _pageSize;

    S3ObjectStore(StoreLocation location, IAmazonS3 client, string[] secrets, bool conditionalWrites, bool? useChunkEncoding, int? pageSize)
    {
        Location = location; _client = client; _bucket = location.Container!; _secrets = secrets;
        _conditionalWrites = conditionalWrites; _useChunkEncoding = useChunkEncoding; _pageSize = pageSize;
        Capabilities = new StoreCapabilities(AtomicCreateOnly: conditionalWrites, ServerIntegrityCheck: true, Durable: true);
    }

    public StoreLocation Location { get; }
    public StoreCapabilities Capabilities { get; }

    internal static S3ObjectStore Create(StoreLocation location, ObjectStoreOptions options)
    {
        if (options.Credential is not null and not S3Credential)
            throw new ObjectStoreCredentialException(location, $"An {options.Credential.Description} cannot be used for S3; give an access key id and secret access key.");
        var secrets = new List<string>(options.SecretValues);
        Uri? endpoint = options.Endpoint;
        var endpointText = options.Env("AWS_ENDPOINT_URL_S3") ?? options.Env("AWS_ENDPOINT_URL");
        if (endpoint is null && endpointText is not null)
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(endpoint.UserInfo))
                throw new ObjectStoreCredentialException(location, "AWS_ENDPOINT_URL(_S3) is not an http(s) URL without a user name.");
        }
        var region = options.Region ?? options.Env("AWS_REGION") ?? options.Env("AWS_DEFAULT_REGION") ?? ProfileRegion(options);
        if (region is null && endpoint is not null) region = "us-east-1"; // S3-compatible services mostly ignore it, but signing needs one
        if (region is null)
            throw new ObjectStoreCredentialException(location, "No AWS region: set AWS_REGION, a region in the AWS profile, or pass -Region.");

        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle ?? options.EnvBool("JAMEY3_S3_FORCE_PATH_STYLE") ?? endpoint is not null,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        if (options.RequestChecksumCalculation is { } mode)
        {
            config.RequestChecksumCalculation = mode == S3ChecksumMode.WhenRequired ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED;
            config.ResponseChecksumValidation = mode == S3ChecksumMode.WhenRequired ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED;
        }

        AWSCredentials? credentials = null;
        if (options.Credential is S3Credential c)
            credentials = c.SessionToken is null ? new BasicAWSCredentials(c.AccessKeyId, c.SecretAccessKey) : new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        else if (options.Env("AWS_ACCESS_KEY_ID") is { } id && options.Env("AWS_SECRET_ACCESS_KEY") is { } secret)
        {
            secrets.Add(secret);
            var token = options.Env("AWS_SESSION_TOKEN");
            if (token is not null) secrets.Add(token);
            credentials = token is null ? new BasicAWSCredentials(id, secret) : new SessionAWSCredentials(id, secret, token);
        }
        // Otherwise the SDK's own chain: shared credentials and config files, SSO, container and instance roles.
        var client = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        bool conditional = options.ConditionalWrites ?? options.EnvBool("JAMEY3_S3_CONDITIONAL_WRITES") ?? true;
        return new S3ObjectStore(location, client, secrets.ToArray(), conditional, options.UseChunkEncoding, options.ListPageSize);
    }

    static string? ProfileRegion(ObjectStoreOptions options)
    {
        try
        {
            var name = options.Env("AWS_PROFILE") ?? "default";
            return new CredentialProfileStoreChain().TryGetProfile(name, out var profile) ? profile.Region?.SystemName : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AmazonClientException) { return null; }
    }

    string ObjectName(string key) => Location.Prefix.Length == 0 ? key : Location.Prefix + "/" + key;

    public async Task EnsureExistsAsync(bool create, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = _bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode == "NoSuchBucket")
        {
            if (!create) throw new ObjectStoreNotFoundException(Location, "bucket", e, _secrets);
            try { await _client.PutBucketAsync(new PutBucketRequest { BucketName = _bucket }, cancellationToken).ConfigureAwait(false); }
            catch (Exception pe) when (IsStoreFailure(pe)) { throw Map(pe, null); }
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, null); }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        int strip = Location.Prefix.Length == 0 ? 0 : Location.Prefix.Length + 1;
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = ObjectNameOrPrefix(prefix), MaxKeys = _pageSize };
        while (true)
        {
            ListObjectsV2Response page;
            try { page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, null); }
            foreach (var o in page.S3Objects ?? [])
            {
                if (o.Key.Length <= strip) continue;
                var key = o.Key[strip..];
                if (key.Split('/').Any(s => s.Length == 0 || s.StartsWith('.'))) continue;
                yield return new StoredObject(key, o.Size ?? 0, o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : default, o.ETag);
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken)) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    string ObjectNameOrPrefix(string prefix) => Location.Prefix.Length == 0 ? prefix : Location.Prefix + "/" + prefix;

    public async Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            var m = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = ObjectName(key) }, cancellationToken).ConfigureAwait(false);
            return new StoredObject(key, m.ContentLength, m.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : default, m.ETag);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket") { return null; }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        range?.Validate();
        try
        {
            if (range is { Length: 0 } empty)
            {
                var size = (await StatAsync(key, cancellationToken).ConfigureAwait(false))?.Size ?? throw new ObjectNotFoundException(Location, key, null, _secrets);
                if (empty.Offset > size) throw new ObjectRangeException(Location, key, empty, size);
                return new MemoryStream([], writable: false);
            }
            var request = new GetObjectRequest { BucketName = _bucket, Key = ObjectName(key) };
            if (range is { } r) request.ByteRange = new Amazon.S3.Model.ByteRange(r.Offset, r.Length is { } l ? r.Offset + l - 1 : long.MaxValue >> 1);
            var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            long length = response.ContentLength;
            if (range is { Length: { } want } rr && length != want)
            {
                response.Dispose();
                throw new ObjectRangeException(Location, key, rr, TotalFromContentRange(response.ContentRange));
            }
            return new ExactLengthStream(new ResponseStream(response), length,
                n => new ObjectStoreUnavailableException(Location, key, $"the download ended after {n} of {length} bytes.", null, _secrets));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && range is { } r)
        {
            var size = (await StatAsync(key, cancellationToken).ConfigureAwait(false))?.Size ?? throw new ObjectNotFoundException(Location, key, e, _secrets);
            if (r.Offset == size && r.Length is null) return new MemoryStream([], writable: false);
            throw new ObjectRangeException(Location, key, r, size);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket") { throw new ObjectNotFoundException(Location, key, e, _secrets); }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    static long TotalFromContentRange(string? contentRange) =>
        contentRange is not null && contentRange.LastIndexOf('/') is var i and > 0 && long.TryParse(contentRange[(i + 1)..], out var total) ? total : -1;

    public async Task<StoredObject> WriteAsync(string key, Stream content, ObjectWrite write, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek) throw new ArgumentException("S3 uploads need a seekable stream (the content is hashed before it is sent).", nameof(content));
        var expected = ObjectHash.ParseSha256(write.Sha256);
        long start = content.Position;
        var (sha, md5, length) = await StreamBlocks.HashSeekableAsync(content, cancellationToken).ConfigureAwait(false);
        if (!sha.AsSpan().SequenceEqual(expected))
            throw new ObjectIntegrityException(Location, key, $"the bytes read hash to {ObjectHash.Hex(sha)}, not the expected {write.Sha256.ToLowerInvariant()}; nothing was sent.", null, _secrets);
        if (length > SinglePutLimit)
            throw new ObjectStoreRequestException(Location, key, $"the object is {length} bytes; one S3 PUT takes at most {SinglePutLimit}.", null, _secrets);
        try
        {
            if (write.CreateOnly && !_conditionalWrites && await StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
                throw new ObjectAlreadyExistsException(Location, key, null, _secrets);
            content.Position = start;
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = ObjectName(key),
                InputStream = new BoundedReadStream(content, length),
                AutoCloseStream = false,
                MD5Digest = Convert.ToBase64String(md5),
                ContentType = "application/octet-stream",
            };
            request.Headers.ContentLength = length;
            if (_useChunkEncoding is { } chunked) request.UseChunkEncoding = chunked;
            if (write.CreateOnly && _conditionalWrites) request.IfNoneMatch = "*";
            var response = await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            var etag = response.ETag?.Trim('"');
            if (etag is { Length: 32 } && !etag.Contains('-') && !string.Equals(etag, Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase))
            {
                // The service kept something else than it was sent. It is ours (create-only), or ours to replace: remove it.
                try { await _client.DeleteObjectAsync(_bucket, ObjectName(key), CancellationToken.None).ConfigureAwait(false); }
                catch (Exception e) when (IsStoreFailure(e)) { }
                throw new ObjectIntegrityException(Location, key, $"the service stored bytes whose MD5 (ETag {etag}) differs from the {length} bytes sent; the object was removed.", null, _secrets);
            }
            return new StoredObject(key, length, DateTimeOffset.UtcNow, response.ETag);
        }
        catch (AmazonS3Exception e) when (write.CreateOnly && (e.StatusCode == HttpStatusCode.PreconditionFailed || e.ErrorCode == "ConditionalRequestConflict"))
        {
            throw new ObjectAlreadyExistsException(Location, key, e, _secrets);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BadDigest" or "InvalidDigest" or "XAmzContentChecksumMismatch" or "InvalidChecksum")
        {
            throw new ObjectIntegrityException(Location, key, $"the service received different bytes than were hashed (HTTP {(int)e.StatusCode} {e.ErrorCode}); nothing was stored.", e, _secrets);
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try { await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = ObjectName(key) }, cancellationToken).ConfigureAwait(false); }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket") { }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    static bool IsStoreFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException;

    ObjectStoreException Map(Exception e, string? key)
    {
        if (e is ObjectStoreException ose) return ose;
        if (e is AmazonServiceException ase && ase.StatusCode != 0 && ase.InnerException is not HttpRequestException)
        {
            var reason = $"HTTP {(int)ase.StatusCode} {ase.ErrorCode}".TrimEnd() + ".";
            return (int)ase.StatusCode switch
            {
                401 or 403 => new ObjectStoreAccessDeniedException(Location, key, reason, ase, _secrets),
                404 when ase.ErrorCode == "NoSuchBucket" => new ObjectStoreNotFoundException(Location, "bucket", ase, _secrets),
                404 when key is not null => new ObjectNotFoundException(Location, key, ase, _secrets),
                408 or 429 or >= 500 => new ObjectStoreUnavailableException(Location, key, reason, ase, _secrets),
                _ => new ObjectStoreRequestException(Location, key, reason, ase, _secrets),
            };
        }
        var detail = (e.InnerException ?? e).Message;
        return new ObjectStoreUnavailableException(Location, key, Secrets.Scrub(detail, _secrets), e, _secrets);
    }

    /// <summary>Keeps the GetObject response (and its connection) alive exactly as long as its body stream.</summary>
    sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        readonly Stream _inner = response.ResponseStream;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) response.Dispose(); base.Dispose(disposing); }
    }

    /// <summary>
    /// The caller's stream from its position for exactly <c>length</c> bytes, seekable within that window so the
    /// SDK can rewind it for a retry.
    /// </summary>
    sealed class BoundedReadStream(Stream inner, long length) : Stream
    {
        readonly long _start = inner.Position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => inner.Position - _start; set => inner.Position = _start + Math.Clamp(value, 0, length); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Clamp(count));
        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Clamp(buffer.Length)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer[..Clamp(buffer.Length)], cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, Clamp(count), cancellationToken);
        int Clamp(int count) => (int)Math.Max(0, Math.Min(count, length - Position));
        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => length + offset };
            return Position;
        }
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
