using System.Globalization;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// age's key files: identity files as age-keygen writes them ("# created", "# public key" comments, one
/// AGE-SECRET-KEY-1 line) and recipient files (one age1 key a line). Lines starting with '#' and blank
/// lines are ignored. Errors name the file and line, never the line's content.
/// </summary>
public static class AgeKeyFile
{
    /// <summary>
    /// Generates a new X25519 identity into a new file readable by its owner only (0600 on Unix), in
    /// age-keygen's format, and returns its public key. Refuses to overwrite an existing file.
    /// </summary>
    public static X25519Recipient GenerateIdentityFile(string path, DateTimeOffset? created = null)
    {
        using var identity = X25519Identity.Generate();
        var when = (created ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var text = $"# created: {when}\n# public key: {identity.Recipient}\n{identity.ToSecretString()}\n";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileExists, $"The identity file '{path}' already exists; it was left as it is (a key is never overwritten).", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileWriteFailed, $"The identity file '{path}' could not be written: {e.Message}", path, e);
        }
        return identity.Recipient;
    }

    /// <summary>Reads the identities of an identity file.</summary>
    public static IReadOnlyList<X25519Identity> ReadIdentities(string path)
    {
        using var reader = Open(path);
        return ParseIdentities(reader, path);
    }

    /// <summary>Reads the recipients of a recipient file (an identity file is not one: give its public key).</summary>
    public static IReadOnlyList<X25519Recipient> ReadRecipients(string path)
    {
        using var reader = Open(path);
        return ParseRecipients(reader, path);
    }

    public static IReadOnlyList<X25519Identity> ParseIdentities(TextReader reader, string name)
    {
        var result = new List<X25519Identity>();
        foreach (var (number, line) in Lines(reader))
        {
            var where = $"Line {number} of the identity file '{name}'";
            if (number == 1 && line == AgeHeader.VersionLine)
                throw new AgeKeyException(JameyErrors.AgeIdentityFileEncrypted, $"The identity file '{name}' is itself age-encrypted; passphrase-protected identity files are not supported. Decrypt it with 'age -d' first.", name);
            if (line.StartsWith("AGE-PLUGIN-", StringComparison.OrdinalIgnoreCase) || line.StartsWith("-----BEGIN", StringComparison.Ordinal))
                throw new AgeKeyException(JameyErrors.AgeIdentityUnsupported, $"{where} holds a plugin or SSH identity; only X25519 identities (AGE-SECRET-KEY-1…) are supported.", name);
            result.Add(X25519Identity.Parse(line, where));
        }
        if (result.Count == 0) throw new AgeKeyException(JameyErrors.AgeNoIdentities, $"The identity file '{name}' holds no identity.", name);
        return result;
    }

    public static IReadOnlyList<X25519Recipient> ParseRecipients(TextReader reader, string name)
    {
        var result = new List<X25519Recipient>();
        foreach (var (number, line) in Lines(reader))
        {
            var where = $"Line {number} of the recipient file '{name}'";
            if (line.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
                throw new AgeKeyException(JameyErrors.AgeSecretKeyInRecipientFile, $"{where} holds a private key, not a recipient: a recipient file must hold only public keys (age1…).", name);
            var plugin = Bech32.TryDecode(line, out var hrp, out _, out _) && hrp.StartsWith("age1", StringComparison.Ordinal);
            if (line.StartsWith("ssh-", StringComparison.Ordinal) || plugin)
                throw new AgeKeyException(JameyErrors.AgeRecipientUnsupported, $"{where} holds an SSH or plugin recipient; only X25519 recipients (age1…) are supported.", name);
            result.Add(X25519Recipient.Parse(line, where));
        }
        if (result.Count == 0) throw new AgeKeyException(JameyErrors.AgeNoRecipients, $"The recipient file '{name}' holds no recipient.", name);
        return result;
    }

    static IEnumerable<(int Number, string Line)> Lines(TextReader reader)
    {
        var number = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            line = line.Trim(); // tolerates CRLF files and stray spaces; keys hold no spaces
            if (line.Length == 0 || line.StartsWith('#')) continue;
            yield return (number, line);
        }
    }

    static StreamReader Open(string path)
    {
        try { return new StreamReader(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileNotFound, $"The key file '{path}' does not exist.", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgeKeyException(JameyErrors.AgeKeyFileUnreadable, $"The key file '{path}' cannot be read: {e.Message}", path, e);
        }
    }
}
