using System.Security.Cryptography;
using System.Text;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>The repository key K: derivations, the host's key file, and its age-wrapped copy.</summary>
public class RepositoryKeyTests : IDisposable
{
    readonly TempDirectory _dir = new("repo-key");
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Names_are_HMAC_SHA256_of_the_content_hash_under_an_HKDF_derived_key_and_tags_use_another()
    {
        using var key = RepositoryKey.Generate();
        var raw = Bech32Raw(key.ToSecretString());
        var contentSha = Convert.ToHexStringLower(SHA256.HashData("Jamey remembers"u8));

        // Recomputed from the primitives, to pin the format written in docs/encryption.md.
        var nameKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, raw, 32, [], "jamey3 object names v1"u8.ToArray());
        var authKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, raw, 32, [], "jamey3 index auth v1"u8.ToArray());
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(nameKey, Convert.FromHexString(contentSha))), key.NameFor(contentSha));
        Assert.Equal(key.NameFor(contentSha), key.NameFor(contentSha.ToUpperInvariant()));
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(authKey, "index"u8)), key.Tag("index"u8));
        Assert.NotEqual(contentSha, key.NameFor(contentSha));
        Assert.True(key.VerifyTag("index"u8, key.Tag("index"u8).ToUpperInvariant()));
        Assert.False(key.VerifyTag("index!"u8, key.Tag("index"u8)));
        Assert.False(key.VerifyTag("index"u8, "not hex"));

        using var other = RepositoryKey.Generate();
        Assert.NotEqual(key.NameFor(contentSha), other.NameFor(contentSha));
        Assert.NotEqual(key.KeyId, other.KeyId);
        Assert.Throws<ArgumentException>(() => key.NameFor("abc"));
    }

    static byte[] Bech32Raw(string text)
    {
        Assert.True(Bech32.TryDecode(text, out var hrp, out var data, out var reason), reason);
        Assert.Equal("JAMEY3-REPOSITORY-KEY-", hrp);
        return data;
    }

    [Fact]
    public void The_key_file_is_owner_only_never_overwritten_and_reads_back_the_same_key()
    {
        var path = _dir.Combine("repository.key");
        using var key = RepositoryKey.Generate();
        key.WriteKeyFile(path, "0123abcd");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var text = File.ReadAllText(path);
        Assert.Contains("# repository: 0123abcd", text);
        Assert.Contains($"# key id: {key.KeyId}", text);

        using (var read = RepositoryKey.ReadKeyFile(path))
            Assert.Equal(key.NameFor(new string('a', 64)), read.NameFor(new string('a', 64)));

        using var second = RepositoryKey.Generate();
        var e = Assert.Throws<AgeKeyException>(() => second.WriteKeyFile(path, null));
        Assert.Equal(JameyErrors.AgeKeyFileExists, e.Error);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void A_key_file_others_can_read_is_refused_and_a_damaged_one_is_named_without_its_content()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = _dir.Combine("open.key");
        using var key = RepositoryKey.Generate();
        key.WriteKeyFile(path, null);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var e = Assert.Throws<AgeKeyException>(() => RepositoryKey.ReadKeyFile(path));
        Assert.Equal(JameyErrors.RepositoryKeyFileTooOpen, e.Error);
        Assert.Contains("chmod 600", e.Message);

        var secret = key.ToSecretString();
        var damaged = _dir.Combine("damaged.key");
        File.WriteAllText(damaged, "# comment\n" + secret[..^1] + (secret[^1] == 'Q' ? 'P' : 'Q') + "\n");
        File.SetUnixFileMode(damaged, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bad = Assert.Throws<AgeKeyException>(() => RepositoryKey.ReadKeyFile(damaged));
        Assert.Equal(JameyErrors.InvalidRepositoryKey, bad.Error);
        Assert.Contains(damaged, bad.Message);
        Assert.DoesNotContain(secret[..30], bad.Message);

        var missing = Assert.Throws<AgeKeyException>(() => RepositoryKey.ReadKeyFile(_dir.Combine("none.key")));
        Assert.Equal(JameyErrors.AgeKeyFileNotFound, missing.Error);
    }

    [Fact]
    public void The_wrapped_key_decrypts_with_age_into_a_usable_key_file()
    {
        var identityFile = _dir.Combine("owner.txt");
        var recipient = AgeKeyFile.GenerateIdentityFile(identityFile);
        using var key = RepositoryKey.Generate();
        var wrapped = _dir.Combine("repository.age");
        File.WriteAllBytes(wrapped, key.Wrap([recipient], "feedface"));
        Assert.DoesNotContain(key.ToSecretString(), Encoding.ASCII.GetString(File.ReadAllBytes(wrapped)));

        var recovered = _dir.Combine("recovered.key");
        var (code, text) = AgeTool.RunToFile(recovered, "-d", "-i", identityFile, wrapped);
        Assert.True(code == 0, text);
        File.SetUnixFileMode(recovered, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var back = RepositoryKey.ReadKeyFile(recovered))
            Assert.Equal(key.KeyId, back.KeyId);

        using var unwrapped = RepositoryKey.Unwrap(File.OpenRead(wrapped), AgeKeyFile.ReadIdentities(identityFile), wrapped);
        Assert.Equal(key.Tag("x"u8), unwrapped.Tag("x"u8));
        using var stranger = X25519Identity.Generate();
        var e = Assert.Throws<AgeNoIdentityMatchesException>(() => RepositoryKey.Unwrap(File.OpenRead(wrapped), [stranger], wrapped));
        Assert.Contains(wrapped, e.Message);
    }
}
