using Jamey3.Engine.Errors;
using System.Security.Cryptography;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace Jamey3.Engine.Encryption;

/// <summary>An age X25519 public key ("age1…"): a file encrypted to it can be read only with the matching identity.</summary>
public sealed class X25519Recipient : IAgeRecipient, IEquatable<X25519Recipient>
{
    internal const string Hrp = "age";
    internal const string StanzaType = "X25519";
    static readonly byte[] Label = "age-encryption.org/v1/X25519"u8.ToArray();
    readonly byte[] _publicKey;

    internal X25519Recipient(byte[] publicKey) => _publicKey = publicKey;

    /// <summary>The raw 32-byte public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Parses an "age1…" recipient string.</summary>
    public static X25519Recipient Parse(string text, string? where = null)
    {
        if (TryParse(text, out var recipient, out var reason)) return recipient;
        throw new AgeKeyException(JameyErrors.InvalidAgeRecipient,
            $"{(where is null ? "The value" : where)} is not a valid age X25519 recipient ('age1…'): {reason}.", where ?? text);
    }

    public static bool TryParse(string text, out X25519Recipient recipient, out string reason)
    {
        recipient = null!;
        if (!Bech32.TryDecode(text, out var hrp, out var data, out reason)) return false;
        if (hrp != Hrp) { reason = "it does not start with 'age1' (lower case)"; return false; }
        if (data.Length != 32) { reason = $"it holds {data.Length} bytes, not a 32-byte key"; return false; }
        recipient = new X25519Recipient(data);
        return true;
    }

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        Sodium.EnsureAvailable();
        var algorithm = KeyAgreementAlgorithm.X25519;
        using var ephemeral = Key.Create(algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });
        var share = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var theirs = NSec.Cryptography.PublicKey.Import(algorithm, _publicKey, KeyBlobFormat.RawPublicKey);
        var wrapKey = DeriveWrapKey(ephemeral, theirs, share, _publicKey)
            ?? throw new AgeKeyException(JameyErrors.InvalidAgeRecipient, $"The recipient {this} is a low-order point and cannot be encrypted to.", ToString());
        try
        {
            var body = new byte[fileKey.Length + 16];
            using var aead = new ChaCha20Poly1305(wrapKey);
            aead.Encrypt(stackalloc byte[12], fileKey, body.AsSpan(0, fileKey.Length), body.AsSpan(fileKey.Length));
            return new AgeStanza(StanzaType, [AgeBase64.Encode(share)], body);
        }
        finally { CryptographicOperations.ZeroMemory(wrapKey); }
    }

    /// <summary>X25519 then HKDF-SHA-256 (salt = share ‖ recipient), or null for the all-zero shared secret.</summary>
    internal static byte[]? DeriveWrapKey(Key ours, NSec.Cryptography.PublicKey theirs, ReadOnlySpan<byte> share, ReadOnlySpan<byte> recipient)
    {
        using var shared = KeyAgreementAlgorithm.X25519.Agree(ours, theirs,
            new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (shared is null) return null; // libsodium refuses the all-zero result of a low-order point
        var secret = shared.Export(SharedSecretBlobFormat.RawSharedSecret);
        try
        {
            var salt = new byte[share.Length + recipient.Length];
            share.CopyTo(salt);
            recipient.CopyTo(salt.AsSpan(share.Length));
            var key = new byte[32];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, key, salt, Label);
            return key;
        }
        finally { CryptographicOperations.ZeroMemory(secret); }
    }

    public override string ToString() => Bech32.Encode(Hrp, _publicKey);
    public bool Equals(X25519Recipient? other) => other is not null && _publicKey.AsSpan().SequenceEqual(other._publicKey);
    public override bool Equals(object? obj) => Equals(obj as X25519Recipient);
    public override int GetHashCode() => BitConverter.ToInt32(_publicKey, 0);
}

/// <summary>
/// An age X25519 private key ("AGE-SECRET-KEY-1…"). <see cref="ToString"/> shows only the public side;
/// the secret leaves only through <see cref="ToSecretString"/>.
/// </summary>
public sealed class X25519Identity : IAgeIdentity, IDisposable
{
    internal const string Hrp = "AGE-SECRET-KEY-";
    readonly Key _key;

    X25519Identity(Key key)
    {
        _key = key;
        Recipient = new X25519Recipient(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public key that files for this identity are encrypted to.</summary>
    public X25519Recipient Recipient { get; }

    public string Kind => X25519Recipient.StanzaType;

    /// <summary>Generates a new identity from the operating system's random source.</summary>
    public static X25519Identity Generate()
    {
        Sodium.EnsureAvailable();
        return new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Parses an "AGE-SECRET-KEY-1…" string. The error names <paramref name="where"/>, never the key.</summary>
    public static X25519Identity Parse(string text, string? where = null)
    {
        if (TryParse(text, out var identity, out var reason)) return identity;
        throw new AgeKeyException(JameyErrors.InvalidAgeIdentity,
            $"{where ?? "The value"} is not a valid age X25519 identity ('AGE-SECRET-KEY-1…'): {reason}.", where);
    }

    public static bool TryParse(string text, out X25519Identity identity, out string reason)
    {
        identity = null!;
        if (!Bech32.TryDecode(text, out var hrp, out var data, out reason)) return false;
        Sodium.EnsureAvailable();
        try
        {
            if (hrp != Hrp) { reason = "it does not start with 'AGE-SECRET-KEY-1' (upper case)"; return false; }
            if (data.Length != 32) { reason = $"it holds {data.Length} bytes, not a 32-byte key"; return false; }
            identity = new X25519Identity(Key.Import(KeyAgreementAlgorithm.X25519, data, KeyBlobFormat.RawPrivateKey,
                new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
            return true;
        }
        finally { CryptographicOperations.ZeroMemory(data); }
    }

    /// <summary>The secret key in age's text form. Handle with care: this is the private key.</summary>
    public string ToSecretString()
    {
        var raw = _key.Export(KeyBlobFormat.RawPrivateKey);
        try { return Bech32.Encode(Hrp, raw, upper: true); }
        finally { CryptographicOperations.ZeroMemory(raw); }
    }

    public byte[]? Unwrap(AgeStanza stanza, string source)
    {
        if (stanza.Type != X25519Recipient.StanzaType) return null;
        if (stanza.Arguments.Count != 1 || !AgeBase64.TryDecode(stanza.Arguments[0], out var share) || share.Length != 32)
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, "an X25519 stanza does not carry exactly one 32-byte ephemeral share.");
        if (stanza.Body.Length != 32)
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, $"an X25519 stanza's body is {stanza.Body.Length} bytes, not 32.");
        var theirs = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, share, KeyBlobFormat.RawPublicKey);
        var wrapKey = X25519Recipient.DeriveWrapKey(_key, theirs, share, Recipient.PublicKey)
            ?? throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, "an X25519 stanza's share is a low-order point.");
        try
        {
            var fileKey = new byte[16];
            using var aead = new ChaCha20Poly1305(wrapKey);
            try { aead.Decrypt(stackalloc byte[12], stanza.Body.AsSpan(0, 16), stanza.Body.AsSpan(16), fileKey); }
            catch (AuthenticationTagMismatchException) { return null; } // a stanza for another recipient
            return fileKey;
        }
        finally { CryptographicOperations.ZeroMemory(wrapKey); }
    }

    public override string ToString() => $"X25519 identity of {Recipient}";
    public void Dispose() => _key.Dispose();
}
