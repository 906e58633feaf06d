using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Jamey3.Engine.Encryption;

/// <summary>The age payload: a 16-byte nonce, then ChaCha20-Poly1305 STREAM in 64 KiB chunks.</summary>
public static class AgePayload
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int NonceSize = 16;
    public const int EncryptedChunkSize = ChunkSize + TagSize;

    /// <summary>The payload's encrypted length (nonce included) for a plaintext of the given length.</summary>
    public static long EncryptedLength(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        var chunks = Math.Max(1, (plaintextLength + ChunkSize - 1) / ChunkSize);
        return NonceSize + plaintextLength + chunks * TagSize;
    }

    internal static byte[] DeriveKey(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, key, nonce, "payload"u8);
        return key;
    }

    /// <summary>STREAM nonce: an 11-byte big-endian chunk counter, then 1 for the last chunk or 0.</summary>
    internal static void ChunkNonce(Span<byte> nonce, long counter, bool last)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce.Slice(3, 8), counter);
        nonce[11] = last ? (byte)1 : (byte)0;
    }
}
