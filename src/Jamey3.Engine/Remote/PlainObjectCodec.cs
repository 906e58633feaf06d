namespace Jamey3.Engine.Remote;

/// <summary>An unencrypted remote repository: objects are named by their content's SHA-256 and stored as the local repository stores them.</summary>
public sealed class PlainObjectCodec : IObjectCodec
{
    public static readonly PlainObjectCodec Instance = new();

    public string Envelope => "none";
    public string ObjectNames => "sha256";
    public bool CanOpen => true;

    public string NameFor(string contentSha256) => contentSha256.ToLowerInvariant();

    public Task SealAsync(Stream plain, Stream output, CancellationToken cancellationToken) =>
        plain.CopyToAsync(output, 1 << 16, cancellationToken);

    public Stream Open(Stream sealedBytes) => sealedBytes;

    public string? TagFor(ReadOnlySpan<byte> plainObject) => null;

    public bool SealIsDeterministic => true;

    public long? SealedLength(long plainLength) => plainLength;
}
