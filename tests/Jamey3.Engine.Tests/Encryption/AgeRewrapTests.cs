using Jamey3.Engine.Encryption;
using Jamey3.Engine.Tests.Infrastructure;
using static Jamey3.Engine.Tests.Encryption.AgeTestData;

namespace Jamey3.Engine.Tests.Encryption;

public class AgeRewrapTests : IDisposable
{
    readonly TempDirectory _dir = new("age-rewrap");
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Adding_and_removing_a_recipient_rewrites_only_the_header_and_age_reads_the_result()
    {
        var oldKey = _dir.Combine("old.txt");
        var newKey = _dir.Combine("new.txt");
        var oldRecipient = AgeKeyFile.GenerateIdentityFile(oldKey);
        var newRecipient = AgeKeyFile.GenerateIdentityFile(newKey);
        var plain = Plaintext(2 * Chunk + 77, seed: 4);
        var original = Encrypt(plain, oldRecipient);
        var path = _dir.Combine("object.age");
        File.WriteAllBytes(path, original);

        // Add the new recipient, then remove the old one.
        var both = _dir.Combine("both.age");
        Assert.Equal(plain.Length, AgeRewrap.RewrapFile(path, both, AgeKeyFile.ReadIdentities(oldKey), [oldRecipient, newRecipient], CancellationToken.None));
        var onlyNew = _dir.Combine("new.age");
        AgeRewrap.RewrapFile(both, onlyNew, AgeKeyFile.ReadIdentities(newKey), [newRecipient], CancellationToken.None);

        var rewrapped = File.ReadAllBytes(onlyNew);
        // The payload (nonce and every chunk) is unchanged: nothing was re-encrypted.
        Assert.Equal(original[(PayloadStart(original) - AgePayload.NonceSize)..], rewrapped[(PayloadStart(rewrapped) - AgePayload.NonceSize)..]);
        var (code, text) = AgeTool.RunToFile(_dir.Combine("out.bin"), "-d", "-i", newKey, onlyNew);
        Assert.True(code == 0, text);
        Assert.Equal(plain, File.ReadAllBytes(_dir.Combine("out.bin")));
        Assert.Equal(plain, Decrypt(File.ReadAllBytes(both), [.. AgeKeyFile.ReadIdentities(oldKey)]));
        Assert.Throws<AgeNoIdentityMatchesException>(() => Decrypt(rewrapped, [.. AgeKeyFile.ReadIdentities(oldKey)]));
        var (oldCode, _) = AgeTool.RunToFile(_dir.Combine("old-out.bin"), "-d", "-i", oldKey, onlyNew);
        Assert.NotEqual(0, oldCode);
    }

    [Fact]
    public void A_damaged_file_is_not_rewrapped_and_nothing_appears()
    {
        using var identity = X25519Identity.Generate();
        var file = Encrypt(Plaintext(3 * Chunk), identity.Recipient);
        file[PayloadStart(file) + 2 * EncryptedChunk + 9] ^= 0x80;
        var path = _dir.Combine("damaged.age");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<AgePayloadException>(() =>
            AgeRewrap.RewrapFile(path, _dir.Combine("out.age"), [identity], [X25519Identity.Generate().Recipient], CancellationToken.None));
        Assert.Equal(2, e.ChunkIndex);
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
        Assert.Throws<AgeNoIdentityMatchesException>(() =>
            AgeRewrap.RewrapFile(path, _dir.Combine("out.age"), [X25519Identity.Generate()], [identity.Recipient], CancellationToken.None));
    }
}
