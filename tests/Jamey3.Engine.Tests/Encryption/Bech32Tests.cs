using System.Security.Cryptography;
using Jamey3.Engine.Encryption;

namespace Jamey3.Engine.Tests.Encryption;

public class Bech32Tests
{
    // BIP 173's valid Bech32 strings (the original checksum, which age uses).
    [Theory]
    [InlineData("A12UEL5L")]
    [InlineData("a12uel5l")]
    [InlineData("an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs")]
    [InlineData("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")]
    [InlineData("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w")]
    [InlineData("?1ezyfcl")]
    public void Accepts_the_BIP173_valid_strings(string s)
    {
        Assert.True(Bech32.TryDecode(s, out _, out _, out var reason), reason);
    }

    // BIP 173's invalid strings, plus a Bech32m string (age uses the original constant).
    [Theory]
    [InlineData("pzry9x0s0muk")]          // no separator
    [InlineData("1pzry9x0s0muk")]         // empty HRP
    [InlineData("x1b4n0q5v")]             // invalid data character
    [InlineData("li1dgmt3")]              // checksum too short
    [InlineData("A1G7SGD8")]              // checksum computed with upper-case HRP
    [InlineData("10a06t8")]               // empty HRP
    [InlineData("1qzzfhee")]              // empty HRP
    [InlineData("a12UEL5L")]              // mixed case
    [InlineData("a1lqfn3a")]              // Bech32m checksum, not Bech32
    public void Rejects_the_BIP173_invalid_strings(string s)
    {
        Assert.False(Bech32.TryDecode(s, out _, out _, out _));
    }

    [Fact]
    public void Round_trips_random_data_and_detects_every_single_character_change()
    {
        var data = RandomNumberGenerator.GetBytes(32);
        var s = Bech32.Encode("age", data);
        Assert.StartsWith("age1", s);
        Assert.Equal(62, s.Length);
        Assert.True(Bech32.TryDecode(s, out var hrp, out var back, out _));
        Assert.Equal("age", hrp);
        Assert.Equal(data, back);
        const string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        for (var i = 4; i < s.Length; i++)
        {
            var c = s[i];
            var other = charset[(charset.IndexOf(c) + 1 + i % 31) % 32];
            var changed = s[..i] + other + s[(i + 1)..];
            Assert.False(Bech32.TryDecode(changed, out _, out _, out _), $"a change at position {i} went unnoticed");
        }
    }

    [Fact]
    public void Upper_case_identity_form_round_trips_with_an_upper_case_hrp()
    {
        var data = RandomNumberGenerator.GetBytes(32);
        var s = Bech32.Encode("AGE-SECRET-KEY-", data, upper: true);
        Assert.Matches("^AGE-SECRET-KEY-1[0-9A-Z]{58}$", s);
        Assert.True(Bech32.TryDecode(s, out var hrp, out var back, out _));
        Assert.Equal("AGE-SECRET-KEY-", hrp);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Recipient_parsing_rejects_a_wrong_prefix_a_short_key_and_a_bad_checksum_without_echoing_secrets()
    {
        var shortKey = Bech32.Encode("age", new byte[31]);
        Assert.False(X25519Recipient.TryParse(shortKey, out _, out var reason));
        Assert.Contains("31 bytes", reason);
        Assert.False(X25519Recipient.TryParse(Bech32.Encode("agx", new byte[32]), out _, out _));
        var id = X25519Identity.Generate();
        var secret = id.ToSecretString();
        var broken = secret[..^1] + (secret[^1] == 'Q' ? 'P' : 'Q');
        var e = Assert.Throws<AgeKeyException>(() => X25519Identity.Parse(broken, "line 3 of keys.txt"));
        Assert.Equal("InvalidAgeIdentity", e.ErrorId);
        Assert.DoesNotContain(broken[16..40], e.Message);
        Assert.Contains("checksum", e.Message);
    }
}
