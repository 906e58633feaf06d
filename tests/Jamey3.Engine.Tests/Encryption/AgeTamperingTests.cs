using System.Text;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using static Jamey3.Engine.Tests.Encryption.AgeTestData;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>Every kind of damage to an age file is detected, typed and named; none yields plaintext.</summary>
public class AgeTamperingTests
{
    static readonly X25519Identity Identity = X25519Identity.Generate();
    // Three full chunks and a short last one.
    static readonly byte[] Plain = Plaintext(3 * Chunk + 1000, seed: 9);
    static readonly byte[] File = Encrypt(Plain, Identity.Recipient);
    static readonly int Payload = PayloadStart(File);

    static T Fails<T>(byte[] damaged) where T : JameyException
    {
        var e = Assert.Throws<T>(() => Decrypt(damaged, Identity));
        Assert.Equal(JameyErrorKind.InvalidData, e.Kind);
        Assert.Equal("test.age", e.Target);
        Assert.Contains("'test.age'", e.Message);
        return e;
    }

    static byte[] Flip(int offset)
    {
        var copy = (byte[])File.Clone();
        copy[offset] ^= 0x01;
        return copy;
    }

    [Fact]
    public void A_changed_version_line_or_stanza_argument_is_a_damaged_header()
    {
        Assert.Equal("AgeVersionUnsupported", Fails<AgeHeaderException>(Flip(20)).ErrorId); // "v1" becomes "v0"
        var share = IndexOf(File, "-> X25519 "u8.ToArray()) + 12;
        var changedShare = (byte[])File.Clone();
        changedShare[share] = (byte)(changedShare[share] == 'A' ? 'B' : 'A'); // still canonical base64
        var e = Assert.ThrowsAny<JameyException>(() => Decrypt(changedShare, Identity));
        // A changed share derives another wrap key: the stanza no longer opens, so nothing matches.
        Assert.Equal("AgeNoIdentityMatches", e.ErrorId);
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(File).Replace("-> X25519 ", "-> X25519  "))).ErrorId);
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(File).Replace("\n---", "\r\n---"))).ErrorId);
        var flipped = (byte[])File.Clone();
        flipped[share] = (byte)'!'; // not base64
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>(flipped).ErrorId);
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>([.. "not an age file\n"u8]).ErrorId);
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>([]).ErrorId);
        Assert.Equal("AgeArmorUnsupported", Fails<AgeHeaderException>([.. "-----BEGIN AGE ENCRYPTED FILE-----\n"u8]).ErrorId);
    }

    [Fact]
    public void A_stanza_added_to_the_header_fails_the_header_MAC()
    {
        var latin = Encoding.Latin1.GetString(File);
        var added = latin.Replace("\n--- ", "\n-> example.com/added\n\n--- ");
        Fails<AgeHeaderMacException>(Encoding.Latin1.GetBytes(added));
    }

    [Fact]
    public void A_changed_MAC_fails_the_header_MAC()
    {
        var macAt = IndexOf(File, "\n--- "u8.ToArray()) + 5;
        var copy = (byte[])File.Clone();
        copy[macAt] = (byte)(copy[macAt] == (byte)'A' ? 'B' : 'A');
        Assert.Equal("AgeHeaderMacMismatch", Fails<AgeHeaderMacException>(copy).ErrorId);
    }

    [Fact]
    public void A_changed_nonce_fails_the_first_chunk()
    {
        var e = Fails<AgePayloadException>(Flip(Payload - 3));
        Assert.Equal("AgeChunkAuthenticationFailed", e.ErrorId);
        Assert.Equal(0, e.ChunkIndex);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_byte_changed_in_any_chunk_is_named_with_its_chunk_and_offset(int chunk)
    {
        var at = Payload + chunk * EncryptedChunk + 100;
        var e = Fails<AgePayloadException>(Flip(at));
        Assert.Equal("AgeChunkAuthenticationFailed", e.ErrorId);
        Assert.Equal(chunk, e.ChunkIndex);
        Assert.Equal(Payload + (long)chunk * EncryptedChunk, e.FileOffset);
        Assert.Contains($"chunk {chunk} (file offset {e.FileOffset}, plaintext offset {chunk * (long)Chunk})", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Truncation_at_a_chunk_boundary_is_named_as_truncation(int chunks)
    {
        var e = Fails<AgePayloadException>(File[..(Payload + chunks * EncryptedChunk)]);
        Assert.Equal("AgePayloadTruncated", e.ErrorId);
        Assert.Contains("cut short", e.Message);
    }

    [Fact]
    public void Truncation_mid_chunk_inside_the_header_or_before_the_nonce_is_detected()
    {
        Assert.Equal("AgeChunkAuthenticationFailed", Fails<AgePayloadException>(File[..(Payload + EncryptedChunk + 500)]).ErrorId);
        Assert.Equal("AgePayloadTruncated", Fails<AgePayloadException>(File[..(Payload + 2 * EncryptedChunk + 10)]).ErrorId);
        Assert.Equal("AgePayloadTruncated", Fails<AgePayloadException>(File[..Payload]).ErrorId);
        Assert.Equal("AgePayloadTruncated", Fails<AgePayloadException>(File[..(Payload - 5)]).ErrorId);
        Assert.Equal("AgeHeaderInvalid", Fails<AgeHeaderException>(File[..40]).ErrorId);
        Assert.Equal("AgeChunkAuthenticationFailed", Fails<AgePayloadException>(File[..^1]).ErrorId);
    }

    [Fact]
    public void Data_appended_after_the_last_chunk_is_detected()
    {
        // After a short last chunk the appended bytes become part of it and it no longer authenticates.
        Assert.Equal("AgeChunkAuthenticationFailed", Fails<AgePayloadException>([.. File, 0]).ErrorId);
        // After a full last chunk the reader sees the final chunk followed by more data.
        var full = Encrypt(Plaintext(2 * Chunk), Identity.Recipient);
        var e = Assert.Throws<AgePayloadException>(() => Decrypt([.. full, .. "x"u8], Identity));
        Assert.Equal("AgeTrailingData", e.ErrorId);
        Assert.Equal(1, e.ChunkIndex);
    }

    [Fact]
    public void Two_swapped_chunks_are_detected_at_the_first_moved_one()
    {
        var copy = (byte[])File.Clone();
        var a = Payload + EncryptedChunk;
        var b = Payload + 2 * EncryptedChunk;
        File.AsSpan(a, EncryptedChunk).CopyTo(copy.AsSpan(b));
        File.AsSpan(b, EncryptedChunk).CopyTo(copy.AsSpan(a));
        var e = Fails<AgePayloadException>(copy);
        Assert.Equal("AgeChunkAuthenticationFailed", e.ErrorId);
        Assert.Equal(1, e.ChunkIndex);
    }

    [Fact]
    public void A_payload_from_another_file_under_this_header_is_rejected()
    {
        var other = Encrypt(Plain, Identity.Recipient);
        var spliced = File[..Payload].Concat(other[PayloadStart(other)..]).ToArray();
        Assert.Equal(0, Fails<AgePayloadException>(spliced).ChunkIndex);
    }

    [Fact]
    public void Damage_to_a_file_yields_no_plaintext_when_decrypted_to_a_file()
    {
        using var dir = new Infrastructure.TempDirectory("age-tamper");
        var damaged = dir.Combine("damaged.age");
        System.IO.File.WriteAllBytes(damaged, Flip(Payload + 3 * EncryptedChunk + 5));
        var output = dir.Combine("plain.bin");
        Assert.Throws<AgePayloadException>(() => Age.DecryptFile(damaged, output, [Identity], CancellationToken.None));
        Assert.Empty(Directory.GetFiles(dir.Path).Where(f => f != damaged));
    }
}
