using Jamey3.Engine.Encryption;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Encryption;

public class AgeKeyFileTests : IDisposable
{
    readonly TempDirectory _dir = new("age-keys");
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_generated_identity_file_is_owner_only_in_age_keygens_format_and_never_overwritten()
    {
        var path = _dir.Combine("key.txt");
        var recipient = AgeKeyFile.GenerateIdentityFile(path, new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var lines = File.ReadAllLines(path);
        Assert.Equal("# created: 2026-12-01T10:00:00Z", lines[0]);
        Assert.Equal($"# public key: {recipient}", lines[1]);
        Assert.Matches("^AGE-SECRET-KEY-1[0-9A-Z]{58}$", lines[2]);
        Assert.Equal(3, lines.Length);

        var before = File.ReadAllBytes(path);
        var e = Assert.Throws<AgeKeyException>(() => AgeKeyFile.GenerateIdentityFile(path));
        Assert.Equal("AgeKeyFileExists", e.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(recipient, AgeKeyFile.ReadIdentities(path).Single().Recipient);
    }

    [Fact]
    public void Identity_and_recipient_files_skip_comments_blank_lines_and_CRLF()
    {
        using var a = X25519Identity.Generate();
        using var b = X25519Identity.Generate();
        var ids = AgeKeyFile.ParseIdentities(new StringReader($"# a comment\r\n\r\n{a.ToSecretString()}\r\n  \n# another\n{b.ToSecretString()}\n"), "ids.txt");
        Assert.Equal([a.Recipient, b.Recipient], ids.Select(i => i.Recipient));
        var recipients = AgeKeyFile.ParseRecipients(new StringReader($"{a.Recipient}\n# b:\n{b.Recipient}\r\n"), "r.txt");
        Assert.Equal([a.Recipient, b.Recipient], recipients);
    }

    [Fact]
    public void A_bad_line_is_named_by_file_and_number_without_its_content()
    {
        using var a = X25519Identity.Generate();
        var secret = a.ToSecretString();
        var damaged = secret[..20] + "B" + secret[21..];
        var e = Assert.Throws<AgeKeyException>(() => AgeKeyFile.ParseIdentities(new StringReader($"# c\n{damaged}\n"), "ids.txt"));
        Assert.Equal("InvalidAgeIdentity", e.ErrorId);
        Assert.Contains("Line 2 of the identity file 'ids.txt'", e.Message);
        Assert.DoesNotContain(damaged[16..], e.Message);

        var s = Assert.Throws<AgeKeyException>(() => AgeKeyFile.ParseRecipients(new StringReader($"{secret}\n"), "r.txt"));
        Assert.Equal("AgeSecretKeyInRecipientFile", s.ErrorId);
        Assert.DoesNotContain(secret[16..], s.Message);

        Assert.Equal("AgeRecipientUnsupported", Assert.Throws<AgeKeyException>(() =>
            AgeKeyFile.ParseRecipients(new StringReader("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI comment\n"), "r.txt")).ErrorId);
        Assert.Equal("AgeNoRecipients", Assert.Throws<AgeKeyException>(() => AgeKeyFile.ParseRecipients(new StringReader("# none\n"), "r.txt")).ErrorId);
        Assert.Equal("AgeNoIdentities", Assert.Throws<AgeKeyException>(() => AgeKeyFile.ParseIdentities(new StringReader(""), "i.txt")).ErrorId);
        Assert.Equal("AgeIdentityFileEncrypted", Assert.Throws<AgeKeyException>(() =>
            AgeKeyFile.ParseIdentities(new StringReader("age-encryption.org/v1\n-> scrypt x 18\n"), "i.txt")).ErrorId);
        var missing = Assert.Throws<AgeKeyException>(() => AgeKeyFile.ReadIdentities(_dir.Combine("nope.txt")));
        Assert.Equal("AgeKeyFileNotFound", missing.ErrorId);
        Assert.Equal(JameyErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public void An_identity_prints_only_its_public_key()
    {
        using var a = X25519Identity.Generate();
        Assert.DoesNotContain("SECRET", a.ToString());
        Assert.Contains(a.Recipient.ToString(), a.ToString());
        using var p = new ScryptIdentity("hunter2");
        Assert.DoesNotContain("hunter2", p.ToString());
    }
}
