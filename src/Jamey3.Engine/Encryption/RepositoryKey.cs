using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The repository key K of an encrypted remote repository (docs/encryption.md): 32 random bytes from which HKDF-SHA-256
/// derives the object-name key (<see cref="NameKey"/>) and the authentication key (<see cref="AuthKey"/>). K lets its
/// holder name objects, seal the plain index and check what the store returns; it decrypts nothing (content is
/// encrypted to age recipients with per-object file keys), so the write-only backup host may hold it.
/// </summary>
/// <remarks>
/// Text form (the host's key file, and the plaintext of <c>keys/repository.age</c> at the destination, so that
/// <c>age -d -i key.txt keys/repository.age &gt; repository.key</c> gives back a usable key file):
/// Bech32 with the prefix <c>JAMEY3-REPOSITORY-KEY-1</c>, like age's own secret keys (a checksum catches a typo).
/// </remarks>
public sealed class RepositoryKey : IDisposable
{
    internal const string Hrp = "JAMEY3-REPOSITORY-KEY-";
    public const int Size = 32;
    static readonly byte[] NameLabel = "jamey3 object names v1"u8.ToArray();
    static readonly byte[] AuthLabel = "jamey3 index auth v1"u8.ToArray();
    static readonly byte[] IdLabel = "jamey3 key id v1"u8.ToArray();

    readonly byte[] _key;
    readonly byte[] _nameKey = new byte[32];
    readonly byte[] _authKey = new byte[32];
    bool _disposed;

    RepositoryKey(byte[] key)
    {
        _key = key;
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, _nameKey, ReadOnlySpan<byte>.Empty, NameLabel);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, _authKey, ReadOnlySpan<byte>.Empty, AuthLabel);
        Span<byte> id = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, id, ReadOnlySpan<byte>.Empty, IdLabel);
        KeyId = Convert.ToHexStringLower(id[..8]);
    }

    /// <summary>A new key from the operating system's random source.</summary>
    public static RepositoryKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>
    /// A public, non-secret identifier of the key (HKDF output, 8 bytes hex): written beside the wrapped key so that a
    /// host given the wrong key file is told so by name, not by a MAC failure deep in a copy.
    /// </summary>
    public string KeyId { get; }

    /// <summary>The HMAC-SHA-256 key of object names (keyed names: the store cannot test for known content).</summary>
    internal ReadOnlySpan<byte> NameKey { get { ThrowIfDisposed(); return _nameKey; } }

    /// <summary>The HMAC-SHA-256 key that seals what the store sees in plain text (indexes, the recipient list).</summary>
    internal ReadOnlySpan<byte> AuthKey { get { ThrowIfDisposed(); return _authKey; } }

    /// <summary>hex(HMAC-SHA-256(K_name, SHA-256 of the content)), the content hash given as 64 hex digits.</summary>
    public string NameFor(string contentSha256)
    {
        if (contentSha256 is null || contentSha256.Length != 64 || !contentSha256.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"A content hash is 64 hex digits; '{contentSha256}' is not.", nameof(contentSha256));
        Span<byte> hash = stackalloc byte[32];
        Convert.FromHexString(contentSha256, hash, out _, out _);
        return Convert.ToHexStringLower(HMACSHA256.HashData(NameKey, hash));
    }

    /// <summary>hex(HMAC-SHA-256(K_auth, bytes)).</summary>
    public string Tag(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(HMACSHA256.HashData(AuthKey, data));

    /// <summary>Compares a tag in constant time (case-insensitive hex); false for anything malformed.</summary>
    public bool VerifyTag(ReadOnlySpan<byte> data, string? tag)
    {
        if (tag is null || tag.Length != 64 || !tag.All(char.IsAsciiHexDigit)) return false;
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(AuthKey, data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(tag));
    }

    /// <summary>The key's text line. Secret: written only into a 0600 key file or an age file.</summary>
    public string ToSecretString()
    {
        ThrowIfDisposed();
        return Bech32.Encode(Hrp, _key, upper: true);
    }

    /// <summary>Parses a key line; the error names <paramref name="where"/>, never the key.</summary>
    public static RepositoryKey Parse(string text, string where)
    {
        if (Bech32.TryDecode(text.Trim(), out var hrp, out var data, out var reason))
        {
            if (hrp != Hrp) reason = $"it does not start with '{Hrp}1'";
            else if (data.Length != Size) reason = $"it holds {data.Length} bytes, not {Size}";
            else return new RepositoryKey(data);
        }
        throw new AgeKeyException(JameyErrors.InvalidRepositoryKey,
            $"{where} is not a valid Jamey3 repository key ('{Hrp}1…'): {reason}.", where);
    }

    /// <summary>The key file's text: comments saying what it is, then the key line.</summary>
    internal string KeyFileText(string? repositoryId)
    {
        var sb = new StringBuilder();
        sb.Append("# Jamey3 repository key: names and authenticates the objects this host copies; it decrypts nothing.\n");
        sb.Append("# Keep it readable by the backup account only (chmod 600). Lost: recover it from keys/repository.age.\n");
        sb.Append(CultureInfo.InvariantCulture, $"# created: {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
        if (repositoryId is not null) sb.Append(CultureInfo.InvariantCulture, $"# repository: {repositoryId}\n");
        sb.Append(CultureInfo.InvariantCulture, $"# key id: {KeyId}\n");
        sb.Append(ToSecretString()).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads the one key line of key-file text (comments and blank lines skipped).</summary>
    internal static RepositoryKey ParseKeyFileText(string text, string name)
    {
        string? found = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (found is not null)
                throw new AgeKeyException(JameyErrors.InvalidRepositoryKey, $"Line {number} of the repository key file '{name}' is a second key; a key file holds one.", name);
            found = line;
        }
        if (found is null)
            throw new AgeKeyException(JameyErrors.InvalidRepositoryKey, $"The repository key file '{name}' holds no key.", name);
        return Parse(found, $"The key in '{name}'");
    }

    /// <summary>
    /// Writes this key into a new file readable by its owner only (0600 on Unix); never over an existing file, so a
    /// second setup cannot silently cut a host off from the repository it already writes.
    /// </summary>
    public void WriteKeyFile(string path, string? repositoryId)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && !Directory.Exists(folder))
                throw new AgeKeyException(JameyErrors.AgeKeyFileWriteFailed, $"The folder of the repository key file '{path}' does not exist.", path);
            using var stream = new FileStream(path, options);
            var bytes = Encoding.UTF8.GetBytes(KeyFileText(repositoryId));
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            CryptographicOperations.ZeroMemory(bytes);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileExists, $"The repository key file '{path}' already exists; it was left as it is (a key is never overwritten).", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileWriteFailed, $"The repository key file '{path}' could not be written: {e.Message}", path, e);
        }
    }

    /// <summary>
    /// Reads a key file. On Unix a file that its group or others may read is refused (as ssh refuses an open private
    /// key): whoever reads it can test the store for known content and forge backups.
    /// </summary>
    public static RepositoryKey ReadKeyFile(string path)
    {
        string text;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(path);
                const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
                if ((mode & open) != 0)
                    throw new AgeKeyException(JameyErrors.RepositoryKeyFileTooOpen,
                        $"The repository key file '{path}' may be read or written by other accounts (mode {Convert.ToString((int)mode & 0x1ff, 8)}); make it owner-only first (chmod 600 '{path}').", path);
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileNotFound, $"The repository key file '{path}' does not exist.", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileUnreadable, $"The repository key file '{path}' cannot be read: {e.Message}", path, e);
        }
        return ParseKeyFileText(text, path);
    }

    /// <summary>The key as an age file for <paramref name="recipients"/> (what <c>keys/repository.age</c> holds).</summary>
    public byte[] Wrap(IReadOnlyList<IAgeRecipient> recipients, string? repositoryId)
    {
        var plain = Encoding.UTF8.GetBytes(KeyFileText(repositoryId));
        try
        {
            var output = new MemoryStream();
            Age.Encrypt(new MemoryStream(plain), output, recipients);
            return output.ToArray();
        }
        finally { CryptographicOperations.ZeroMemory(plain); }
    }

    /// <summary>Decrypts a wrapped key (<c>keys/repository.age</c>) with the identities given.</summary>
    public static RepositoryKey Unwrap(Stream wrapped, IReadOnlyList<IAgeIdentity> identities, string name)
    {
        var plain = new MemoryStream();
        Age.Decrypt(wrapped, plain, identities, name);
        var buffer = plain.GetBuffer();
        try { return ParseKeyFileText(Encoding.UTF8.GetString(buffer, 0, (int)plain.Length), name); }
        finally { CryptographicOperations.ZeroMemory(buffer); }
    }

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public override string ToString() => $"Jamey3 repository key {KeyId}";

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_nameKey);
        CryptographicOperations.ZeroMemory(_authKey);
    }
}
