using Jamey3.Engine.Errors;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Jamey3.Engine.Encryption;

/// <summary>Shared by the scrypt recipient and identity: the passphrase held as UTF-8 and wiped on dispose.</summary>
public abstract class ScryptPassphrase : IDisposable
{
    internal const string StanzaType = "scrypt";
    static readonly byte[] SaltLabel = "age-encryption.org/v1/scrypt"u8.ToArray();
    /// <summary>age's own default: 2^18 (about 256 MiB of memory and a second or so of work).</summary>
    public const int DefaultWorkFactor = 18;
    /// <summary>age's upper bound when decrypting: 2^22 (4 GiB of memory).</summary>
    public const int DefaultMaxWorkFactor = 22;
    readonly byte[] _passphrase;
    bool _disposed;

    /// <summary>The passphrase's UTF-8 bytes; refused after Dispose wiped them (zeros would silently be a different passphrase).</summary>
    private protected byte[] Passphrase
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _passphrase;
        }
    }

    private protected ScryptPassphrase(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (passphrase.Length == 0)
            throw new AgeKeyException(JameyErrors.AgeEmptyPassphrase, "An empty passphrase cannot protect an age file.", null);
        _passphrase = Encoding.UTF8.GetBytes(passphrase);
    }

    private protected static byte[] DeriveWrapKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int logN)
    {
        var fullSalt = new byte[SaltLabel.Length + salt.Length];
        SaltLabel.CopyTo(fullSalt, 0);
        salt.CopyTo(fullSalt.AsSpan(SaltLabel.Length));
        var key = new byte[32];
        Sodium.Scrypt(passphrase, fullSalt, logN, r: 8, p: 1, key);
        return key;
    }

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_passphrase);
        GC.SuppressFinalize(this);
    }
}

/// <summary>Encrypts to a passphrase. age allows an scrypt stanza only as the header's one stanza.</summary>
public sealed class ScryptRecipient : ScryptPassphrase, IAgeRecipient
{
    public ScryptRecipient(string passphrase, int workFactor = DefaultWorkFactor) : base(passphrase)
    {
        if (workFactor is < 1 or > DefaultMaxWorkFactor)
            throw new AgeKeyException(JameyErrors.InvalidScryptWorkFactor,
                $"The scrypt work factor must be between 1 and {DefaultMaxWorkFactor} (age's default is {DefaultWorkFactor}); {workFactor} was given.", workFactor);
        WorkFactor = workFactor;
    }

    public int WorkFactor { get; }

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var wrapKey = DeriveWrapKey(Passphrase, salt, WorkFactor);
        try
        {
            var body = new byte[fileKey.Length + 16];
            using var aead = new ChaCha20Poly1305(wrapKey);
            aead.Encrypt(stackalloc byte[12], fileKey, body.AsSpan(0, fileKey.Length), body.AsSpan(fileKey.Length));
            return new AgeStanza(StanzaType, [AgeBase64.Encode(salt), WorkFactor.ToString(CultureInfo.InvariantCulture)], body);
        }
        finally { CryptographicOperations.ZeroMemory(wrapKey); }
    }

    public override string ToString() => $"scrypt passphrase (work factor {WorkFactor})";
}

/// <summary>Decrypts with a passphrase, refusing work factors above <see cref="MaxWorkFactor"/>.</summary>
public sealed class ScryptIdentity : ScryptPassphrase, IAgeIdentity
{
    public ScryptIdentity(string passphrase, int maxWorkFactor = DefaultMaxWorkFactor) : base(passphrase)
    {
        if (maxWorkFactor is < 1 or > 30)
            throw new AgeKeyException(JameyErrors.InvalidScryptWorkFactor, $"The maximum scrypt work factor must be between 1 and 30; {maxWorkFactor} was given.", maxWorkFactor);
        MaxWorkFactor = maxWorkFactor;
    }

    public int MaxWorkFactor { get; }
    public string Kind => StanzaType;

    public byte[]? Unwrap(AgeStanza stanza, string source)
    {
        if (stanza.Type != StanzaType) return null;
        if (stanza.Arguments.Count != 2 || !AgeBase64.TryDecode(stanza.Arguments[0], out var salt) || salt.Length != 16)
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, "the scrypt stanza does not carry a 16-byte salt and a work factor.");
        var logText = stanza.Arguments[1];
        // Decimal without sign or leading zeros, as age requires; two digits at most keeps int parsing safe.
        if (logText.Length is 0 or > 2 || logText[0] == '0' || !logText.All(char.IsAsciiDigit))
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, "the scrypt stanza's work factor is not a plain decimal number.");
        var logN = int.Parse(logText, CultureInfo.InvariantCulture);
        if (logN > MaxWorkFactor) throw new AgeWorkFactorException(source, logN, MaxWorkFactor);
        if (stanza.Body.Length != 32)
            throw new AgeHeaderException(JameyErrors.AgeHeaderInvalid, source, $"the scrypt stanza's body is {stanza.Body.Length} bytes, not 32.");
        var wrapKey = DeriveWrapKey(Passphrase, salt, logN);
        try
        {
            var fileKey = new byte[16];
            using var aead = new ChaCha20Poly1305(wrapKey);
            try { aead.Decrypt(stackalloc byte[12], stanza.Body.AsSpan(0, 16), stanza.Body.AsSpan(16), fileKey); }
            catch (AuthenticationTagMismatchException) { return null; } // wrong passphrase
            return fileKey;
        }
        finally { CryptographicOperations.ZeroMemory(wrapKey); }
    }

    public override string ToString() => "scrypt passphrase";
}
