using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Encryption;

// Failures of the age format. Messages name the file and, where it helps, the chunk and its byte offset;
// they never carry key material, file keys or passphrases.

/// <summary>None of the identities given could unwrap the file key (wrong key or wrong passphrase).</summary>
public sealed class AgeNoIdentityMatchesException(string source, IReadOnlyList<string> stanzaTypes, IReadOnlyList<string> identityKinds)
    : JameyException(JameyErrors.AgeNoIdentityMatches, Describe(source, stanzaTypes, identityKinds), source)
{
    /// <summary>The recipient types the file's header holds, one entry per stanza (for example X25519, X25519).</summary>
    public IReadOnlyList<string> StanzaTypes { get; } = stanzaTypes;

    static string Describe(string source, IReadOnlyList<string> types, IReadOnlyList<string> kinds)
    {
        var present = types.Count == 0
            ? "no recipient stanzas"
            : string.Join(", ", types.GroupBy(t => t, StringComparer.Ordinal).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}"));
        var given = kinds.Count == 0 ? "no identity" : string.Join(", ", kinds.Distinct(StringComparer.Ordinal));
        var hint = types.Contains("scrypt") && !kinds.Contains("scrypt")
            ? " It was encrypted with a passphrase: give the passphrase."
            : !types.Contains("scrypt") && kinds.Contains("scrypt") && !kinds.Contains("X25519")
                ? " It was encrypted for public-key recipients: give an identity file that holds one of their private keys."
                : " The key or passphrase given is not one the file was encrypted for.";
        return $"No identity given can decrypt '{source}': its header holds {present}; tried {given}.{hint}";
    }
}

/// <summary>The header is not a well-formed age v1 header (or uses a variant that is not supported).</summary>
public sealed class AgeHeaderException(JameyError error, string source, string reason)
    : JameyException(error, $"The age file '{source}' has a damaged or unsupported header: {reason}", source);

/// <summary>The header's MAC does not match: the header was changed after it was written.</summary>
public sealed class AgeHeaderMacException(string source)
    : JameyException(JameyErrors.AgeHeaderMacMismatch,
        $"The age file '{source}' has a header whose MAC does not match: the header was changed after it was written.", source);

/// <summary>The scrypt work factor of a passphrase-encrypted file is above what this reader accepts.</summary>
public sealed class AgeWorkFactorException(string source, int workFactor, int maxWorkFactor)
    : JameyException(JameyErrors.AgeScryptWorkFactorTooHigh,
        $"The age file '{source}' asks for scrypt work factor {workFactor}, above the accepted maximum of {maxWorkFactor} (each step doubles time and memory). Raise the maximum only for a file you trust.", source)
{
    public int WorkFactor { get; } = workFactor;
    public int MaxWorkFactor { get; } = maxWorkFactor;
}

/// <summary>The encrypted payload is damaged: truncated, a chunk changed or swapped, or data after its end.</summary>
public sealed class AgePayloadException(JameyError error, string source, string reason, long chunkIndex = -1, long fileOffset = -1)
    : JameyException(error, $"The age file '{source}' is damaged: {reason}", source)
{
    /// <summary>The 0-based index of the chunk that failed, or -1.</summary>
    public long ChunkIndex { get; } = chunkIndex;
    /// <summary>Byte offset of that chunk in the encrypted file (header included), or -1.</summary>
    public long FileOffset { get; } = fileOffset;
}

/// <summary>A recipient, an identity or a key file that cannot be used. Names the file and line, never the secret.</summary>
public sealed class AgeKeyException(JameyError error, string message, object? target, Exception? inner = null)
    : JameyException(error, message, target, inner);
