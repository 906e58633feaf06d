using System.Globalization;

namespace Jamey3.SampleData;

/// <summary>
/// Parses sizes like <c>200KB</c>, <c>10MB</c>, <c>1.5GB</c> or plain byte counts. Units are binary
/// (1KB = 1024 bytes), the same meaning PowerShell gives its <c>10MB</c> literals; <c>KiB</c>/<c>MiB</c>/...
/// and single letters (<c>k</c>, <c>m</c>, <c>g</c>, <c>t</c>) are accepted too.
/// </summary>
public static class ByteSize
{
    public static long Parse(string text) =>
        TryParse(text, out var bytes) ? bytes : throw new FormatException($"'{text}' is not a size (examples: 1048576, 200KB, 10MB, 1.5GB).");

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        int split = s.Length;
        while (split > 0 && char.IsLetter(s[split - 1])) split--;
        var unit = s[split..].ToUpperInvariant();
        var number = s[..split].TrimEnd();

        long multiplier = unit switch
        {
            "" or "B" => 1L,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0) return false;
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
        var total = value * multiplier;
        if (total < 1 || total > long.MaxValue) return false;
        bytes = (long)decimal.Round(total);
        return true;
    }

    /// <summary>Human-readable form, e.g. <c>200.0 MiB</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{v:F1} {units[u]}");
    }
}
