using System.Security.Cryptography;
using Jamey3.Engine.Encryption;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>Encrypting and decrypting in memory for the format tests.</summary>
internal static class AgeTestData
{
    public const int Chunk = AgePayload.ChunkSize;
    public const int EncryptedChunk = AgePayload.EncryptedChunkSize;

    public static byte[] Plaintext(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static byte[] Encrypt(byte[] plaintext, params IAgeRecipient[] recipients)
    {
        var output = new MemoryStream();
        Age.Encrypt(new MemoryStream(plaintext), output, recipients);
        return output.ToArray();
    }

    public static byte[] Decrypt(byte[] file, params IAgeIdentity[] identities)
    {
        var output = new MemoryStream();
        Age.Decrypt(new MemoryStream(file), output, identities, "test.age");
        return output.ToArray();
    }

    /// <summary>Where the payload's first chunk starts: after the header's "--- MAC\n" line and the 16-byte nonce.</summary>
    public static int PayloadStart(byte[] file)
    {
        var mac = IndexOf(file, "\n--- "u8.ToArray());
        var end = Array.IndexOf(file, (byte)'\n', mac + 1);
        return end + 1 + AgePayload.NonceSize;
    }

    public static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    public static byte[] Sha256(byte[] data) => SHA256.HashData(data);
}
