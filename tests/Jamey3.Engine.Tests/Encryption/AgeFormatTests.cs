using System.Text;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using static Jamey3.Engine.Tests.Encryption.AgeTestData;

namespace Jamey3.Engine.Tests.Encryption;

public class AgeFormatTests
{
    static readonly X25519Identity Identity = X25519Identity.Generate();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(3 * Chunk + 12345)]
    public void Round_trips_every_size_around_the_chunk_boundaries_with_the_expected_length(int size)
    {
        var plain = Plaintext(size);
        var file = Encrypt(plain, Identity.Recipient);
        Assert.Equal(PayloadStart(file) - AgePayload.NonceSize + AgePayload.EncryptedLength(size), file.Length);
        Assert.Equal(plain, Decrypt(file, Identity));
    }

    [Fact]
    public void Writes_the_header_age_expects()
    {
        var file = Encrypt([1, 2, 3], Identity.Recipient, X25519Identity.Generate().Recipient);
        var text = Encoding.ASCII.GetString(file, 0, PayloadStart(file) - AgePayload.NonceSize);
        Assert.Matches(@"^age-encryption\.org/v1\n(-> X25519 [A-Za-z0-9+/]{43}\n[A-Za-z0-9+/]{43}\n){2}--- [A-Za-z0-9+/]{43}\n$", text);
    }

    [Fact]
    public void Many_small_writes_and_reads_give_the_same_bytes_and_async_paths_agree()
    {
        var plain = Plaintext(2 * Chunk + 999, seed: 5);
        var file = new MemoryStream();
        using (var age = AgeEncryptingStream.Create(file, [Identity.Recipient], leaveOpen: true))
        {
            for (var i = 0; i < plain.Length; i += 777) age.Write(plain, i, Math.Min(777, plain.Length - i));
            age.Complete();
        }
        var bytes = file.ToArray();
        using var reader = AgeDecryptingStream.Open(new MemoryStream(bytes), [Identity], "small.age");
        var back = new MemoryStream();
        var buffer = new byte[1000];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0) back.Write(buffer, 0, n);
        Assert.Equal(plain, back.ToArray());
        Assert.True(reader.IsComplete);

        var asyncFile = new MemoryStream();
        Age.EncryptAsync(new MemoryStream(plain), asyncFile, [Identity.Recipient]).GetAwaiter().GetResult();
        var asyncBack = new MemoryStream();
        Age.DecryptAsync(new MemoryStream(asyncFile.ToArray()), asyncBack, [Identity], "async.age").GetAwaiter().GetResult();
        Assert.Equal(plain, asyncBack.ToArray());
    }

    [Fact]
    public void Every_recipient_of_a_file_can_decrypt_it_and_others_get_a_typed_error_naming_the_stanza_types()
    {
        var second = X25519Identity.Generate();
        var plain = Plaintext(100);
        var file = Encrypt(plain, Identity.Recipient, second.Recipient);
        Assert.Equal(plain, Decrypt(file, Identity));
        Assert.Equal(plain, Decrypt(file, second));
        Assert.Equal(plain, Decrypt(file, X25519Identity.Generate(), second));

        var stranger = X25519Identity.Generate();
        var e = Assert.Throws<AgeNoIdentityMatchesException>(() => Decrypt(file, stranger));
        Assert.Equal("AgeNoIdentityMatches", e.ErrorId);
        Assert.Equal(JameyErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(["X25519", "X25519"], e.StanzaTypes);
        Assert.Contains("X25519 ×2", e.Message);
        Assert.DoesNotContain(stranger.ToSecretString(), e.Message);

        using var passphrase = new ScryptIdentity("not this one");
        var p = Assert.Throws<AgeNoIdentityMatchesException>(() => Decrypt(file, passphrase));
        Assert.Contains("public-key recipients", p.Message);
    }

    [Fact]
    public void Passphrases_round_trip_and_a_wrong_one_is_a_typed_error_that_never_shows_the_passphrase()
    {
        var plain = Plaintext(Chunk + 5);
        using var recipient = new ScryptRecipient("correct horse battery staple", workFactor: 10);
        var file = Encrypt(plain, recipient);
        Assert.Contains("-> scrypt ", Encoding.ASCII.GetString(file, 0, 200));
        using var right = new ScryptIdentity("correct horse battery staple");
        Assert.Equal(plain, Decrypt(file, right));

        using var wrong = new ScryptIdentity("correct horse battery stapler");
        var e = Assert.Throws<AgeNoIdentityMatchesException>(() => Decrypt(file, wrong));
        Assert.Equal(["scrypt"], e.StanzaTypes);
        Assert.DoesNotContain("stapler", e.Message);
        Assert.DoesNotContain("horse", e.ToString());
        var k = Assert.Throws<AgeNoIdentityMatchesException>(() => Decrypt(file, Identity));
        Assert.Contains("encrypted with a passphrase", k.Message);
    }

    [Fact]
    public void The_scrypt_work_factor_is_bounded_when_decrypting_and_checked_when_encrypting()
    {
        using var recipient = new ScryptRecipient("pw", workFactor: 12);
        var file = Encrypt([42], recipient);
        using var strict = new ScryptIdentity("pw", maxWorkFactor: 11);
        var e = Assert.Throws<AgeWorkFactorException>(() => Decrypt(file, strict));
        Assert.Equal("AgeScryptWorkFactorTooHigh", e.ErrorId);
        Assert.Equal(12, e.WorkFactor);
        Assert.Equal(ScryptPassphrase.DefaultWorkFactor, new ScryptRecipient("pw").WorkFactor);
        Assert.Equal("InvalidScryptWorkFactor", Assert.Throws<AgeKeyException>(() => new ScryptRecipient("pw", 23)).ErrorId);
        Assert.Equal("AgeEmptyPassphrase", Assert.Throws<AgeKeyException>(() => new ScryptRecipient("")).ErrorId);
    }

    [Fact]
    public void A_passphrase_cannot_share_a_file_with_other_recipients_and_such_a_header_is_refused()
    {
        using var recipient = new ScryptRecipient("pw", workFactor: 10);
        Assert.Equal("AgeScryptNotAlone", Assert.Throws<AgeKeyException>(() => Encrypt([1], recipient, Identity.Recipient)).ErrorId);
        Assert.Equal("AgeNoRecipients", Assert.Throws<AgeKeyException>(() => Encrypt([1])).ErrorId);
    }

    [Fact]
    public void A_disposed_passphrase_is_refused_rather_than_used_as_zeros()
    {
        var recipient = new ScryptRecipient("pw", workFactor: 10);
        recipient.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Encrypt([1], recipient));
        using var live = new ScryptRecipient("pw", workFactor: 10);
        var file = Encrypt([1], live);
        var identity = new ScryptIdentity("pw");
        identity.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Decrypt(file, identity));
    }

    [Fact]
    public void A_stream_disposed_without_Complete_leaves_a_file_that_reads_as_truncated()
    {
        var file = new MemoryStream();
        using (var age = AgeEncryptingStream.Create(file, [Identity.Recipient], leaveOpen: true))
            age.Write(Plaintext(Chunk + 10));
        var e = Assert.Throws<AgePayloadException>(() => Decrypt(file.ToArray(), Identity));
        Assert.Equal("AgePayloadTruncated", e.ErrorId);
    }

    [Fact]
    public void Unknown_stanzas_are_skipped_and_the_header_MAC_covers_them()
    {
        // Build a header with an extra, unknown stanza, as newer age versions and plugins may write.
        var fileKey = new byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(fileKey);
        var stanzas = new List<AgeStanza> { new("example.com/grease", ["a", "b"], Plaintext(70)), Identity.Recipient.Wrap(fileKey) };
        var header = AgeHeader.Encode(stanzas, fileKey);
        var text = Encoding.ASCII.GetString(header);
        Assert.Contains("-> example.com/grease a b\n", text);
        var parsed = AgeHeader.Read(new MemoryStream(header), "grease.age", out var leftover, out var length);
        Assert.Empty(leftover);
        Assert.Equal(header.Length, length);
        Assert.Equal(2, parsed.Stanzas.Count);
        Assert.Equal(Plaintext(70), parsed.Stanzas[0].Body);
        Assert.Equal(AgeHeader.ComputeMac(fileKey, parsed.MacInput), parsed.Mac);
    }

    [Fact]
    public void A_body_that_fills_whole_lines_ends_with_an_empty_line()
    {
        var header = AgeHeader.Encode([new AgeStanza("t", [], new byte[48])], new byte[16]);
        Assert.Contains("\n-> t\n" + new string('A', 64) + "\n\n---", Encoding.ASCII.GetString(header));
        Assert.Equal(48, AgeHeader.Read(new MemoryStream(header), "x", out _, out _).Stanzas[0].Body.Length);
    }
}
