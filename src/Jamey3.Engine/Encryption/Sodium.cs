using System.Runtime.InteropServices;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The one libsodium function NSec does not expose in the form age needs: NSec's scrypt insists on a
/// 32-byte salt, age's is 44 ("age-encryption.org/v1/scrypt" + 16 random bytes). It is the same native
/// library NSec loads (resolved by the module's load context inside PowerShell).
/// </summary>
internal static unsafe class Sodium
{
    const string Library = "libsodium";

    static Sodium()
    {
        if (sodium_init() < 0) throw new InvalidOperationException("libsodium could not be initialised.");
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
