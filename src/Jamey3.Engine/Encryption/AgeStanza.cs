namespace Jamey3.Engine.Encryption;

/// <summary>One recipient stanza of an age header: a type, its arguments and a binary body.</summary>
public sealed class AgeStanza
{
    public AgeStanza(string type, IReadOnlyList<string> arguments, byte[] body)
    {
        Type = type;
        Arguments = arguments;
        Body = body;
    }

    /// <summary>The stanza's first argument, such as X25519 or scrypt.</summary>
    public string Type { get; }
    /// <summary>The arguments after the type.</summary>
    public IReadOnlyList<string> Arguments { get; }
    public byte[] Body { get; }

    public override string ToString() => $"-> {Type} ({Arguments.Count} arguments, {Body.Length}-byte body)";
}

/// <summary>A recipient a file key can be wrapped for (a public key, or a passphrase).</summary>
public interface IAgeRecipient
{
    /// <summary>Wraps the 16-byte file key into one stanza for this recipient.</summary>
    AgeStanza Wrap(ReadOnlySpan<byte> fileKey);
}

/// <summary>Something that can unwrap a file key from a stanza meant for it (a private key, or a passphrase).</summary>
public interface IAgeIdentity
{
    /// <summary>The stanza type this identity reads, for messages ("X25519", "scrypt").</summary>
    string Kind { get; }

    /// <summary>
    /// Returns the file key if this stanza was made for this identity, or null if it was not (another
    /// recipient's stanza, a wrong passphrase). Throws <see cref="AgeHeaderException"/> for a stanza of this
    /// identity's type that is malformed.
    /// </summary>
    byte[]? Unwrap(AgeStanza stanza, string source);
}
