using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// Whole-stream and whole-file age encryption (age-encryption.org/v1), in bounded memory. Files written
/// here decrypt with the standard `age` tool, and files `age` wrote decrypt here.
/// </summary>
public static class Age
{
    const int CopyBufferSize = AgePayload.ChunkSize;

    /// <summary>Encrypts all of <paramref name="plaintext"/> to <paramref name="destination"/>; returns the plaintext length.</summary>
    public static long Encrypt(Stream plaintext, Stream destination, IReadOnlyList<IAgeRecipient> recipients, CancellationToken cancellationToken = default)
    {
        using var age = AgeEncryptingStream.Create(destination, recipients, leaveOpen: true);
        var buffer = new byte[CopyBufferSize];
        int n;
        while ((n = plaintext.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            age.Write(buffer, 0, n);
        }
        cancellationToken.ThrowIfCancellationRequested();
        age.Complete();
        return age.PlaintextLength;
    }

    public static async Task<long> EncryptAsync(Stream plaintext, Stream destination, IReadOnlyList<IAgeRecipient> recipients, CancellationToken cancellationToken = default)
    {
        await using var age = await AgeEncryptingStream.CreateAsync(destination, recipients, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[CopyBufferSize];
        int n;
        while ((n = await plaintext.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            await age.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        await age.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return age.PlaintextLength;
    }

    /// <summary>
    /// Decrypts <paramref name="source"/> to <paramref name="plaintext"/>; returns the plaintext length.
    /// On an exception, what was already written to <paramref name="plaintext"/> is not to be trusted.
    /// </summary>
    public static long Decrypt(Stream source, Stream plaintext, IReadOnlyList<IAgeIdentity> identities, string name, CancellationToken cancellationToken = default)
    {
        using var age = AgeDecryptingStream.Open(source, identities, name, leaveOpen: true);
        var buffer = new byte[CopyBufferSize];
        int n;
        while ((n = age.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            plaintext.Write(buffer, 0, n);
        }
        return age.PlaintextPosition;
    }

    public static async Task<long> DecryptAsync(Stream source, Stream plaintext, IReadOnlyList<IAgeIdentity> identities, string name, CancellationToken cancellationToken = default)
    {
        await using var age = await AgeDecryptingStream.OpenAsync(source, identities, name, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[CopyBufferSize];
        int n;
        while ((n = await age.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            await plaintext.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        return age.PlaintextPosition;
    }

    /// <summary>Encrypts a file into a new file, which appears under its name only once it is whole.</summary>
    public static long EncryptFile(string inputPath, string outputPath, IReadOnlyList<IAgeRecipient> recipients, CancellationToken cancellationToken)
    {
        using var input = OpenInput(inputPath);
        return WriteStaged(outputPath, output => Encrypt(input, output, recipients, cancellationToken));
    }

    /// <summary>
    /// Decrypts a file into a new file (owner-only on Unix), which appears under its name only once every
    /// chunk has authenticated: a wrong key or a damaged file writes nothing.
    /// </summary>
    public static long DecryptFile(string inputPath, string outputPath, IReadOnlyList<IAgeIdentity> identities, CancellationToken cancellationToken)
    {
        using var input = OpenInput(inputPath);
        return WriteStaged(outputPath, output => Decrypt(input, output, identities, inputPath, cancellationToken));
    }

    internal static FileStream OpenInput(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new JameyException(JameyErrors.AgeInputNotFound, $"The file '{path}' does not exist.", path, e);
        }
    }

    internal static long WriteStaged(string outputPath, Func<Stream, long> write)
    {
        if (File.Exists(outputPath))
            throw new JameyException(JameyErrors.AgeOutputExists, $"The output file '{outputPath}' already exists; it was left as it is.", outputPath);
        var full = Path.GetFullPath(outputPath);
        var staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            long length;
            using (var output = new FileStream(staging, options))
            {
                length = write(output);
                output.Flush(flushToDisk: true);
            }
            File.Move(staging, full, overwrite: false);
            return length;
        }
        finally
        {
            if (File.Exists(staging)) File.Delete(staging);
        }
    }
}
