namespace Jamey3.Engine.Encryption;

/// <summary>
/// Standard base64 without padding, as every age header field uses it. Decoding is strict: only the
/// canonical encoding is accepted (no padding, unused bits zero), so a parsed header re-encodes to exactly
/// the bytes its MAC covers.
/// </summary>
internal static class AgeBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static bool TryDecode(string text, out byte[] data)
    {
        data = [];
        if (text.Length % 4 == 1) return false;
        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/')) return false;
        }
        var padded = (text.Length % 4) switch { 2 => text + "==", 3 => text + "=", _ => text };
        try { data = Convert.FromBase64String(padded); }
        catch (FormatException) { return false; }
        return Encode(data) == text; // rejects non-zero unused bits
    }
}
