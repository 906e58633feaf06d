using System.Runtime.InteropServices;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The one libsodium function NSec does not expose in the form age needs: NSec's scrypt insists on a
/// 32-byte salt, age's is 44 ("age-encryption.org/v1/scrypt" + 16 random bytes). It is the same native
/// library NSec loads (resolved by the module's load context inside PowerShell).
/// </summary>
internal static unsafe class Sodium
{
    const string Library = "libsodium";

    static readonly Lazy<Exception?> LoadFailure = new(Probe);

    /// <summary>
    /// Throws a typed error if libsodium cannot be loaded (a platform without a shipped native library,
    /// or a damaged installation), instead of a type-initialisation failure deep inside a copy.
    /// </summary>
    public static void EnsureAvailable()
    {
        if (LoadFailure.Value is { } e)
            throw new JameyException(JameyErrors.CryptoLibraryUnavailable,
                $"The encryption library (libsodium, through NSec) cannot be loaded on {RuntimeInformation.RuntimeIdentifier}: {e.Message}", "libsodium", e);
    }

    static Exception? Probe()
    {
        try
        {
            _ = NSec.Cryptography.KeyAgreementAlgorithm.X25519; // NSec loads and initialises libsodium
            return sodium_init() < 0 ? new InvalidOperationException("sodium_init failed.") : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
                                      or TypeInitializationException or PlatformNotSupportedException or InvalidOperationException)
        {
            return e;
        }
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    static extern int sodium_init();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    static extern int crypto_pwhash_scryptsalsa208sha256_ll(byte* passwd, nuint passwdlen, byte* salt, nuint saltlen,
        ulong n, uint r, uint p, byte* buf, nuint buflen);

    /// <summary>scrypt (RFC 7914) with N = 2^logN.</summary>
    public static void Scrypt(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int logN, int r, int p, Span<byte> output)
    {
        if (logN is < 1 or > 62) throw new ArgumentOutOfRangeException(nameof(logN));
        EnsureAvailable();
        int rc;
        fixed (byte* pw = password)
        fixed (byte* s = salt)
        fixed (byte* o = output)
        {
            rc = crypto_pwhash_scryptsalsa208sha256_ll(pw, (nuint)password.Length, s, (nuint)salt.Length,
                1UL << logN, (uint)r, (uint)p, o, (nuint)output.Length);
        }
        if (rc != 0) throw new InsufficientMemoryException($"scrypt with work factor {logN} could not run (not enough memory?).");
    }
}
