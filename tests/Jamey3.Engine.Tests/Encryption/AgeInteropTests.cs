using Jamey3.Engine.Encryption;
using Jamey3.Engine.Tests.Infrastructure;
using static Jamey3.Engine.Tests.Encryption.AgeTestData;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>Files Jamey3 writes decrypt with Debian's age 1.1.1, and files age writes decrypt in Jamey3.</summary>
public class AgeInteropTests : IDisposable
{
    readonly TempDirectory _dir = new("age-interop");
    public void Dispose() => _dir.Dispose();

    public static TheoryData<int> Sizes => new() { 0, 1, Chunk, Chunk + 1, 5 * 1024 * 1024 + 17 };

    string Write(string name, byte[] data)
    {
        var path = _dir.Combine(name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Jamey3_encrypts_to_a_key_that_age_decrypts_with_its_identity_file(int size)
    {
        var keyFile = _dir.Combine("key.txt");
        var recipient = AgeKeyFile.GenerateIdentityFile(keyFile);
        var plain = Plaintext(size, seed: size);
        var input = Write("plain.bin", plain);
        var encrypted = _dir.Combine("plain.bin.age");
        Age.EncryptFile(input, encrypted, AgeKeyFile.ReadRecipients(WriteRecipients(recipient)), CancellationToken.None);

        var output = _dir.Combine("out.bin");
        var (code, text) = AgeTool.RunToFile(output, "-d", "-i", keyFile, encrypted);
        Assert.True(code == 0, text);
        Assert.Equal(Sha256(plain), Sha256(File.ReadAllBytes(output)));
    }

    string WriteRecipients(X25519Recipient recipient)
    {
        var path = _dir.Combine("recipients.txt");
        File.WriteAllText(path, $"# the backup host's public key\n\n{recipient}\n");
        return path;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Age_encrypts_to_a_recipient_and_Jamey3_decrypts_with_the_key_age_keygen_made(int size)
    {
        var keyFile = _dir.Combine("key.txt");
        var (kc, kt) = AgeTool.Keygen("-o", keyFile);
        Assert.True(kc == 0, kt);
        var identities = AgeKeyFile.ReadIdentities(keyFile);
        var publicLine = File.ReadAllLines(keyFile).Single(l => l.StartsWith("# public key: "));
        Assert.Equal(publicLine["# public key: ".Length..], identities[0].Recipient.ToString());

        var plain = Plaintext(size, seed: size + 1);
        var input = Write("plain.bin", plain);
        var encrypted = _dir.Combine("by-age.age");
        var (code, text) = AgeTool.Run("-e", "-r", identities[0].Recipient.ToString(), "-r", X25519Identity.Generate().Recipient.ToString(), "-o", encrypted, input);
        Assert.True(code == 0, text);
        var output = _dir.Combine("out.bin");
        Assert.Equal(size, Age.DecryptFile(encrypted, output, identities, CancellationToken.None));
        Assert.Equal(Sha256(plain), Sha256(File.ReadAllBytes(output)));
    }

    [Fact]
    public void A_passphrase_file_from_Jamey3_decrypts_in_age_and_age_rejects_a_wrong_passphrase()
    {
        var plain = Plaintext(Chunk + 3, seed: 77);
        var input = Write("plain.bin", plain);
        var encrypted = _dir.Combine("pass.age");
        using (var recipient = new ScryptRecipient("Jamey's memories stay private", workFactor: 12))
            Age.EncryptFile(input, encrypted, [recipient], CancellationToken.None);
        var output = _dir.Combine("out.bin");
        var (code, text) = AgeTool.RunWithPassphrase("Jamey's memories stay private", "-d", "-o", output, encrypted);
        Assert.True(code == 0, text);
        Assert.Equal(plain, File.ReadAllBytes(output));

        var (wrongCode, wrongText) = AgeTool.RunWithPassphrase("not it", "-d", "-o", _dir.Combine("wrong.bin"), encrypted);
        Assert.NotEqual(0, wrongCode);
        Assert.Contains("incorrect passphrase", wrongText);
    }

    [Fact]
    public void A_passphrase_file_from_age_decrypts_in_Jamey3_at_ages_default_work_factor()
    {
        var plain = Plaintext(2 * Chunk, seed: 78);
        var input = Write("plain.bin", plain);
        var encrypted = _dir.Combine("by-age-pass.age");
        var (code, text) = AgeTool.RunWithPassphrase("correct horse battery staple", "-e", "-p", "-o", encrypted, input);
        Assert.True(code == 0, text);
        Assert.Contains(" 18\n", File.ReadAllText(encrypted)[..120]); // age 1.1.1 uses work factor 18
        using var identity = new ScryptIdentity("correct horse battery staple");
        var output = _dir.Combine("out.bin");
        Age.DecryptFile(encrypted, output, [identity], CancellationToken.None);
        Assert.Equal(plain, File.ReadAllBytes(output));

        using var wrong = new ScryptIdentity("correct horse battery stapler");
        Assert.Throws<AgeNoIdentityMatchesException>(() => Age.DecryptFile(encrypted, _dir.Combine("wrong.bin"), [wrong], CancellationToken.None));
        Assert.False(File.Exists(_dir.Combine("wrong.bin")));
    }

    [Fact]
    public void Age_keygen_derives_the_same_public_key_from_a_Jamey3_identity_file()
    {
        var keyFile = _dir.Combine("jamey3-key.txt");
        var recipient = AgeKeyFile.GenerateIdentityFile(keyFile);
        var (code, text) = AgeTool.Keygen("-y", keyFile);
        Assert.True(code == 0, text);
        Assert.Equal(recipient.ToString(), text.Trim());
    }

    [Fact]
    public void Damage_to_a_file_age_wrote_is_detected_by_Jamey3()
    {
        var keyFile = _dir.Combine("key.txt");
        var recipient = AgeKeyFile.GenerateIdentityFile(keyFile);
        var input = Write("plain.bin", Plaintext(3 * Chunk + 5));
        var encrypted = _dir.Combine("by-age.age");
        var (code, text) = AgeTool.Run("-e", "-r", recipient.ToString(), "-o", encrypted, input);
        Assert.True(code == 0, text);
        var bytes = File.ReadAllBytes(encrypted);
        var identities = AgeKeyFile.ReadIdentities(keyFile);
        var at = PayloadStart(bytes);
        var swapped = (byte[])bytes.Clone();
        bytes.AsSpan(at, EncryptedChunk).CopyTo(swapped.AsSpan(at + EncryptedChunk));
        bytes.AsSpan(at + EncryptedChunk, EncryptedChunk).CopyTo(swapped.AsSpan(at));
        var e = Assert.Throws<AgePayloadException>(() => Decrypt(swapped, [.. identities]));
        Assert.Equal(0, e.ChunkIndex);
        Assert.Equal("AgePayloadTruncated", Assert.Throws<AgePayloadException>(() => Decrypt(bytes[..(at + 3 * EncryptedChunk)], [.. identities])).ErrorId);
    }
}
