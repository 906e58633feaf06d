using System.Globalization;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// The one shape every wall-clock trigger is reduced to: the minutes, hours, days of the month,
/// months and days of the week on which a run starts (null = any). Each scheduler's syntax is
/// rendered from this, so cron, systemd, Task Scheduler and launchd install the same times, and
/// the next runs are computed once (with Cronos) from the same pattern. A day-of-month and a
/// day-of-week restriction never coexist: cron would OR them where everything else ANDs them.
/// </summary>
internal sealed class CalendarPattern
{
    public CalendarPattern(IEnumerable<int> minutes, IEnumerable<int> hours, IEnumerable<int>? daysOfMonth = null,
        IEnumerable<int>? months = null, IEnumerable<int>? daysOfWeek = null)
    {
        Minutes = Normalize(minutes, 0, 59)!;
        Hours = Normalize(hours, 0, 23)!;
        DaysOfMonth = NullIfFull(Normalize(daysOfMonth, 1, 31), 31);
        Months = NullIfFull(Normalize(months, 1, 12), 12);
        DaysOfWeek = NullIfFull(Normalize(daysOfWeek, 0, 6), 7);
        if (DaysOfMonth is not null && DaysOfWeek is not null)
            throw new InvalidOperationException("A calendar pattern restricts either the day of the month or the day of the week, not both.");
    }

    public int[] Minutes { get; }
    public int[] Hours { get; }
    public int[]? DaysOfMonth { get; }
    public int[]? Months { get; }
    /// <summary>0 = Sunday … 6 = Saturday, as <see cref="DayOfWeek"/>.</summary>
    public int[]? DaysOfWeek { get; }

    /// <summary>Every start time of a day that has runs, in minutes after midnight, ascending.</summary>
    public int[] TimesOfDay => Hours.SelectMany(h => Minutes.Select(m => h * 60 + m)).Order().ToArray();

    static int[]? Normalize(IEnumerable<int>? values, int min, int max)
    {
        if (values is null) return null;
        var set = values.Distinct().Order().ToArray();
        if (set.Length == 0) throw new ArgumentException("A calendar pattern field cannot be empty.");
        if (set[0] < min || set[^1] > max) throw new ArgumentOutOfRangeException(nameof(values));
        return set;
    }

    static int[]? NullIfFull(int[]? set, int fullCount) => set is not null && set.Length == fullCount ? null : set;

    static bool IsFull(int[] set, int min, int max) => set.Length == max - min + 1;

    /// <summary>The step when three or more values are evenly spaced and run to the end of the range from within the first step (e.g. 2,8,14,20 of 0–23: 6).</summary>
    static int? CoveringStep(int[] set, int min, int max)
    {
        if (set.Length < 3) return null; // "0,12" reads better than "*/12"
        int step = set[1] - set[0];
        for (int i = 2; i < set.Length; i++) if (set[i] - set[i - 1] != step) return null;
        return set[0] - min < step && set[^1] + step > max ? step : null;
    }

    // ---- cron ----------------------------------------------------------------------------

    /// <summary>Five cron fields. "*/N" where a step from the start of the range fits, else plain lists.</summary>
    public string ToCron() => string.Join(' ',
        CronField(Minutes, 0, 59), CronField(Hours, 0, 23),
        DaysOfMonth is null ? "*" : CronField(DaysOfMonth, 1, 31),
        Months is null ? "*" : CronField(Months, 1, 12),
        DaysOfWeek is null ? "*" : CronField(DaysOfWeek, 0, 6));

    static string CronField(int[] set, int min, int max)
    {
        if (IsFull(set, min, max)) return "*";
        if (CoveringStep(set, min, max) is int step && set[0] == min) return $"*/{step}";
        return string.Join(',', set.Select(v => v.ToString(CultureInfo.InvariantCulture)));
    }

    // ---- systemd -------------------------------------------------------------------------

    static readonly string[] SystemdDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>
    /// One OnCalendar= value: "[Mon,Thu ]*-MM-DD HH:MM:00". Repetition ("00/6") where the values are
    /// evenly spaced to the end of the range, else comma lists; days of the week Monday first.
    /// </summary>
    public string ToSystemdOnCalendar()
    {
        var days = DaysOfWeek is null ? "" :
            string.Join(',', DaysOfWeek.OrderBy(d => (d + 6) % 7).Select(d => SystemdDays[d])) + " ";
        var date = $"*-{(Months is null ? "*" : SystemdField(Months, 1, 12))}-{(DaysOfMonth is null ? "*" : SystemdField(DaysOfMonth, 1, 31))}";
        return $"{days}{date} {SystemdField(Hours, 0, 23)}:{SystemdField(Minutes, 0, 59)}:00";
    }

    static string SystemdField(int[] set, int min, int max)
    {
        if (IsFull(set, min, max)) return "*";
        if (CoveringStep(set, min, max) is int step) return $"{set[0]:00}/{step}";
        return string.Join(',', set.Select(v => v.ToString("00", CultureInfo.InvariantCulture)));
    }

    // ---- launchd -------------------------------------------------------------------------

    /// <summary>More dictionaries than this in StartCalendarInterval is refused rather than written.</summary>
    public const int MaxLaunchdEntries = 1440;

    /// <summary>
    /// StartCalendarInterval entries: one dictionary per combination of the restricted fields
    /// (Month, Day, Weekday, Hour, Minute); a field that allows every value is left out (a wildcard).
    /// Null when there would be more than <see cref="MaxLaunchdEntries"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, int>>? ToLaunchdCalendar()
    {
        var fields = new List<(string Key, int[] Values)>();
        if (Months is not null) fields.Add(("Month", Months));
        if (DaysOfMonth is not null) fields.Add(("Day", DaysOfMonth));
        if (DaysOfWeek is not null) fields.Add(("Weekday", DaysOfWeek));
        if (!IsFull(Hours, 0, 23)) fields.Add(("Hour", Hours));
        if (!IsFull(Minutes, 0, 59)) fields.Add(("Minute", Minutes));
        long count = fields.Aggregate(1L, (n, f) => n * f.Values.Length);
        if (count > MaxLaunchdEntries) return null;

        IEnumerable<Dictionary<string, int>> combos = [new Dictionary<string, int>()];
        foreach (var (key, values) in fields)
            combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, int>(c) { [key] = v })).ToList();
        return combos.Cast<IReadOnlyDictionary<string, int>>().ToList();
    }
}
