using System.Text;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// Bech32 (BIP 173, the original checksum constant 1, not Bech32m) as age uses it for recipients
/// ("age1…") and identities ("AGE-SECRET-KEY-1…"). Unlike BIP 173, no 90-character limit: age lifts it.
/// </summary>
internal static class Bech32
{
    const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    static uint Polymod(ReadOnlySpan<byte> values, uint chk)
    {
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) chk ^= Generator[i];
        }
        return chk;
    }

    static byte[] HrpExpand(string hrp)
    {
        var r = new byte[hrp.Length * 2 + 1];
        for (var i = 0; i < hrp.Length; i++)
        {
            r[i] = (byte)(hrp[i] >> 5);
            r[hrp.Length + 1 + i] = (byte)(hrp[i] & 31);
        }
        return r;
    }

    static uint Checksum(string hrpLower, ReadOnlySpan<byte> data5)
    {
        var chk = Polymod(HrpExpand(hrpLower), 1);
        chk = Polymod(data5, chk);
        return Polymod([0, 0, 0, 0, 0, 0], chk);
    }

    /// <summary>Encodes 8-bit data under the given human-readable part; upper case if <paramref name="upper"/>.</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data, bool upper = false)
    {
        var lower = hrp.ToLowerInvariant();
        var data5 = ConvertBits(data, 8, 5, pad: true) ?? throw new ArgumentException("data cannot be converted", nameof(data));
        var chk = Checksum(lower, data5) ^ 1;
        var sb = new StringBuilder(lower.Length + 1 + data5.Length + 6);
        sb.Append(lower).Append('1');
        foreach (var v in data5) sb.Append(Charset[v]);
        for (var i = 0; i < 6; i++) sb.Append(Charset[(int)((chk >> (5 * (5 - i))) & 31)]);
        var s = sb.ToString();
        return upper ? s.ToUpperInvariant() : s;
    }

    /// <summary>Decodes a Bech32 string; returns false with a reason when it is not valid.</summary>
    public static bool TryDecode(string s, out string hrp, out byte[] data, out string reason)
    {
        hrp = "";
        data = [];
        bool hasLower = false, hasUpper = false;
        foreach (var c in s)
        {
            if (c < 33 || c > 126) { reason = "it has a character outside printable ASCII"; return false; }
            if (c >= 'a' && c <= 'z') hasLower = true;
            if (c >= 'A' && c <= 'Z') hasUpper = true;
        }
        if (hasLower && hasUpper) { reason = "it mixes upper and lower case"; return false; }
        var lower = s.ToLowerInvariant();
        var sep = lower.LastIndexOf('1');
        if (sep < 1 || sep + 7 > lower.Length) { reason = "it has no separator or checksum"; return false; }
        hrp = lower[..sep];
        var data5 = new byte[lower.Length - sep - 1];
        for (var i = 0; i < data5.Length; i++)
        {
            var idx = Charset.IndexOf(lower[sep + 1 + i]);
            if (idx < 0) { reason = "it has a character outside the Bech32 alphabet"; return false; }
            data5[i] = (byte)idx;
        }
        if (Polymod(data5, Polymod(HrpExpand(hrp), 1)) != 1) { reason = "its checksum does not match (mistyped or cut short?)"; return false; }
        var converted = ConvertBits(data5.AsSpan(0, data5.Length - 6), 5, 8, pad: false);
        if (converted is null) { reason = "its data has invalid padding"; return false; }
        data = converted;
        if (hasUpper) hrp = hrp.ToUpperInvariant();
        reason = "";
        return true;
    }

    static byte[]? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        var acc = 0;
        var bits = 0;
        var maxv = (1 << to) - 1;
        var maxAcc = (1 << (from + to - 1)) - 1; // keeps the accumulator from overflowing on long input
        var result = new List<byte>(data.Length * from / to + 1);
        foreach (var value in data)
        {
            if ((value >> from) != 0) return null;
            acc = ((acc << from) | value) & maxAcc;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & maxv));
            }
        }
        if (pad)
        {
            if (bits > 0) result.Add((byte)((acc << (to - bits)) & maxv));
        }
        else if (bits >= from || ((acc << (to - bits)) & maxv) != 0)
        {
            return null;
        }
        return result.ToArray();
    }
}
