namespace Jamey3.Engine.Remote;

/// <summary>
/// How a remote repository names and seals what it stores (docs/remote-format.md, "What encryption changes"):
/// plain (<see cref="PlainObjectCodec"/>: names are content SHA-256s, stored bytes are the local stored bytes) or
/// age-encrypted (keyed names, every object and manifest an age file). The copy, listing, check and restore code is
/// the same for both; only this object differs, so encryption is a setting of the repository, not a second format.
/// </summary>
public interface IObjectCodec
{
    /// <summary><c>none</c> or <c>age</c>, as written in the repository's <c>config</c>.</summary>
    string Envelope { get; }

    /// <summary><c>sha256</c> or <c>hmac-sha256</c>, as written in the repository's <c>config</c>.</summary>
    string ObjectNames { get; }

    /// <summary>
    /// The object name (lower-case hex) of content whose SHA-256 is <paramref name="contentSha256"/> (hex, the
    /// manifest's content hash of a file or chunk). Plain: the hash itself; keyed: HMAC-SHA-256 under the name key, so
    /// the store cannot tell whether it holds a known file.
    /// </summary>
    string NameFor(string contentSha256);

    /// <summary>
    /// False on a host that can write but not read (it holds only public recipients): copy, list, retention and the
    /// sampled check of stored hashes work; opening content (restore, full check) throws
    /// <see cref="Errors.JameyException"/> naming the missing key.
    /// </summary>
    bool CanOpen { get; }

    /// <summary>Writes the sealed (stored-at-the-destination) form of <paramref name="plain"/> to <paramref name="output"/>.</summary>
    Task SealAsync(Stream plain, Stream output, CancellationToken cancellationToken);

    /// <summary>
    /// The plain bytes of sealed bytes, as a forward-only stream that authenticates before it returns anything.
    /// Damage throws (a <see cref="Errors.JameyException"/> of kind InvalidData); a missing key throws as
    /// <see cref="CanOpen"/> says.
    /// </summary>
    Stream Open(Stream sealedBytes);

    /// <summary>As <see cref="Open(Stream)"/>, naming the object (its key at the destination) in every error it raises.</summary>
    Stream Open(Stream sealedBytes, string name) => Open(sealedBytes);

    /// <summary>
    /// An authentication tag for a plain-text object the store may see but must not change (a backup's index), or null
    /// when the codec has no key to make one (plain repositories: the manifest's <c>indexSha256</c> is the check).
    /// </summary>
    string? TagFor(ReadOnlySpan<byte> plainObject);

    /// <summary>
    /// True when sealing the same plain bytes always gives the same sealed bytes (plain: they are the plain bytes), so an
    /// object already at the destination holds exactly the local stored bytes' hash. An envelope with a random key is
    /// not deterministic: the copy then takes an existing object's stored hash from the destination's indexes.
    /// </summary>
    bool SealIsDeterministic => false;

    /// <summary>The sealed size of <paramref name="plainLength"/> plain bytes, or null when the codec cannot tell in advance.</summary>
    long? SealedLength(long plainLength) => null;
}
