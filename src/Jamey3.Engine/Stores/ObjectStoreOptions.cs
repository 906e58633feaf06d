namespace Jamey3.Engine.Stores;

/// <summary>When the S3 client adds a checksum to a request (the SDK's own setting, mirrored here).</summary>
public enum S3ChecksumMode
{
    /// <summary>The SDK's default: a checksum on every request that supports one (aws-chunked trailers).</summary>
    WhenSupported,
    /// <summary>Only where the service requires one: for S3-compatible services that do not understand trailers.</summary>
    WhenRequired,
}

/// <summary>
/// How to reach a store. Everything is optional: by default credentials and endpoints come from where each
/// SDK normally looks (environment variables, the SDK's credential files, SSH keys). Holds no secret of its
/// own except <see cref="Credential"/>, whose ToString shows none.
/// </summary>
public sealed record ObjectStoreOptions
{
    /// <summary>An explicit credential; when null the environment and the SDK's usual places are used.</summary>
    public StoreCredential? Credential { get; init; }

    /// <summary>
    /// Service endpoint override, for emulators and S3-compatible services. Azure: the blob endpoint including
    /// the account for an emulator (http://127.0.0.1:10000/devstoreaccount1); default JAMEY3_AZURE_ENDPOINT or the
    /// connection string's BlobEndpoint. S3: default AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>S3: region (default AWS_REGION, AWS_DEFAULT_REGION, the profile's region, or us-east-1 with a custom endpoint).</summary>
    public string? Region { get; init; }

    /// <summary>S3: path-style addressing (default JAMEY3_S3_FORCE_PATH_STYLE, else on exactly when an endpoint is overridden).</summary>
    public bool? ForcePathStyle { get; init; }

    /// <summary>S3: request checksums; null keeps the SDK's default (and its AWS_REQUEST_CHECKSUM_CALCULATION variable).</summary>
    public S3ChecksumMode? RequestChecksumCalculation { get; init; }

    /// <summary>S3: aws-chunked uploads; null keeps the SDK's default (on).</summary>
    public bool? UseChunkEncoding { get; init; }

    /// <summary>
    /// S3: the service honours If-None-Match: * on PUT (AWS S3 does since 2024). Default JAMEY3_S3_CONDITIONAL_WRITES,
    /// else true. When false, create-only is checked with a HEAD first, which a concurrent writer can race.
    /// </summary>
    public bool? ConditionalWrites { get; init; }

    /// <summary>SFTP: the server's host key, as OpenSSH prints it ("SHA256:..."); else it must be in <see cref="KnownHostsFile"/>.</summary>
    public string? HostKeyFingerprint { get; init; }

    /// <summary>SFTP: known_hosts file to check the server's key against (default ~/.ssh/known_hosts).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Largest page a listing asks for (null: the store's maximum). Small values exercise paging in tests.</summary>
    public int? ListPageSize { get; init; }

    /// <summary>Reads environment variables (tests inject a dictionary; the default is the process environment).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    internal IEnumerable<string> SecretValues => Credential?.SecretValues ?? [];

    internal string? Env(string name) => Environment(name) is { Length: > 0 } v ? v : null;

    internal bool? EnvBool(string name) => Env(name)?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        var v => throw new Errors.ConfigurationException(name, v, "true or false"),
    };
}

/// <summary>Opens the store for a location.</summary>
public static class ObjectStores
{
    /// <summary>Opens a store for <paramref name="location"/>. No request is made yet: the first call reports an unreachable store.</summary>
    public static IObjectStore Open(StoreLocation location, ObjectStoreOptions? options = null)
    {
        options ??= new ObjectStoreOptions();
        return location.Kind switch
        {
            StoreKind.Local => new LocalFolderStore(location),
            StoreKind.Azure => AzureBlobStore.Create(location, options),
            StoreKind.S3 => S3ObjectStore.Create(location, options),
            StoreKind.Sftp => SftpObjectStore.Create(location, options),
            _ => throw new ArgumentOutOfRangeException(nameof(location)),
        };
    }

    /// <summary>Parses <paramref name="location"/> (a path or a URL) and opens its store.</summary>
    public static IObjectStore Open(string location, ObjectStoreOptions? options = null) => Open(StoreLocation.Parse(location), options);
}
