using System.Globalization;

namespace Jamey3.Engine.Progress;

/// <summary>Sizes and durations as people read them, in every message, progress line and report: one format everywhere.</summary>
public static class HumanUnits
{
    static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>"512 B", "12.3 MiB" (binary units, one decimal).</summary>
    public static string Bytes(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1) { value /= 1024; unit++; }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {Units[unit]}");
    }

    /// <summary>"350 ms", "4.2 s", "3 min 5 s", "2 h 10 min".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.FromSeconds(1)) return string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, t.TotalMilliseconds):0} ms");
        if (t < TimeSpan.FromMinutes(1)) return string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");
        if (t < TimeSpan.FromHours(1)) return $"{(int)t.TotalMinutes} min {t.Seconds} s";
        return $"{(int)t.TotalHours} h {t.Minutes} min";
    }
}
