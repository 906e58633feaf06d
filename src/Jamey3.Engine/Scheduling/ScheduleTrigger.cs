using System.Globalization;
using System.Xml.Linq;
using Cronos;
using Jamey3.Engine.Configuration;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// When a schedule runs, in the local time zone. Each kind validates itself when built (a bad hour,
/// an empty day list, a zero interval throw <see cref="ScheduleTriggerException"/>), and each
/// rendering (<see cref="ToCron"/>, <see cref="ToSystemdOnCalendar"/>, <see cref="ToTaskSchedulerTriggerXml"/>,
/// <see cref="ToLaunchdCalendar"/>) throws the same exception, naming the scheduler, when that
/// scheduler cannot express the trigger exactly, instead of installing something close to it.
/// </summary>
public abstract record ScheduleTrigger
{
    private protected ScheduleTrigger() { }

    /// <summary>For people: "Every 6 hours", "Daily at 02:30", "Weekly on Mon, Thu at 03:00", "Cron 0 */6 * * *".</summary>
    public abstract string Description { get; }

    /// <summary>The wall-clock pattern; null only for an interval that does not divide a day.</summary>
    internal abstract CalendarPattern? Pattern { get; }

    public sealed override string ToString() => Description;

    // ---- factories -----------------------------------------------------------------------

    /// <summary>Every <paramref name="hours"/> hours (fractions allowed down to whole minutes), starting at <paramref name="start"/> (default 00:00).</summary>
    public static EveryHoursTrigger EveryHours(double hours, TimeOnly? start = null) => new(hours, start);

    /// <summary>The interval of BACKUP_INTERVAL_HOURS (24 by default), from midnight.</summary>
    public static EveryHoursTrigger FromSettings(JameySettings settings) => new(settings.IntervalHours);

    public static DailyTrigger Daily(TimeOnly at) => new(at);
    public static DailyTrigger Daily(int hour, int minute) => new(Time(hour, minute));
    public static DailyTrigger Daily(string at) => new(ParseTime(at));

    public static WeeklyTrigger Weekly(IEnumerable<DayOfWeek> days, TimeOnly at) => new(days, at);
    public static WeeklyTrigger Weekly(IEnumerable<DayOfWeek> days, string at) => new(days, ParseTime(at));

    public static CronTrigger Cron(string expression) => new(expression);

    /// <summary>A time of day from an hour and a minute, with errors naming the bad part (hour 25, minute 60).</summary>
    public static TimeOnly Time(int hour, int minute)
    {
        if (hour is < 0 or > 23) throw new ScheduleTriggerException("Hour", $"Hour {hour} is out of range: a time of day takes hours 0-23.");
        if (minute is < 0 or > 59) throw new ScheduleTriggerException("Minute", $"Minute {minute} is out of range: a time of day takes minutes 0-59.");
        return new TimeOnly(hour, minute);
    }

    /// <summary>Parses "HH:mm" (or "H:mm"), 24-hour clock.</summary>
    public static TimeOnly ParseTime(string? text)
    {
        var t = text?.Trim() ?? "";
        var parts = t.Split(':');
        if (parts.Length != 2 || parts[0].Length is < 1 or > 2 || parts[1].Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            throw new ScheduleTriggerException("Time", $"'{text}' is not a time of day: use HH:mm on a 24-hour clock, e.g. 02:30.");
        return Time(h, m);
    }

    internal static TimeOnly CheckWholeMinute(TimeOnly time, string part)
    {
        if (time.Second != 0 || time.Millisecond != 0 || time.Microsecond != 0)
            throw new ScheduleTriggerException(part, $"The time {time:HH:mm:ss.FFFFFF} has seconds; schedulers start jobs on whole minutes, so give HH:mm.");
        return time;
    }

    // ---- renderings ----------------------------------------------------------------------

    /// <summary>The five cron fields (minute hour day-of-month month day-of-week).</summary>
    public virtual string ToCron() => RequirePattern(JameyScheduler.Cron).ToCron();

    /// <summary>The OnCalendar= value(s) of a systemd timer.</summary>
    public virtual IReadOnlyList<string> ToSystemdOnCalendar() => [RequirePattern(JameyScheduler.Systemd).ToSystemdOnCalendar()];

    /// <summary>
    /// The Triggers of a Task Scheduler task (elements in the task namespace). Times are local
    /// wall-clock times like cron's; at most 48 triggers (the schema's limit).
    /// </summary>
    public virtual IReadOnlyList<XElement> ToTaskSchedulerTriggerXml(TimeZoneInfo? zone = null) =>
        TaskSchedulerXml.Triggers(RequirePattern(JameyScheduler.TaskScheduler), this);

    /// <summary>The StartCalendarInterval dictionaries of a launchd job (keys Month, Day, Weekday, Hour, Minute).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, int>> ToLaunchdCalendar() =>
        RequirePattern(JameyScheduler.Launchd).ToLaunchdCalendar()
        ?? throw new ScheduleTriggerException("CronExpression",
            $"'{Description}' would need more than {CalendarPattern.MaxLaunchdEntries} StartCalendarInterval entries in a launchd job; simplify the expression.",
            JameyScheduler.Launchd);

    /// <summary>The next <paramref name="count"/> start times strictly after <paramref name="from"/>, in <paramref name="zone"/> (default: local).</summary>
    public virtual DateTimeOffset[] GetNextRuns(DateTimeOffset from, int count = 5, TimeZoneInfo? zone = null)
    {
        var expression = CronExpression.Parse(CronForNextRuns, CronFormat.Standard);
        zone ??= TimeZoneInfo.Local;
        var runs = new List<DateTimeOffset>(count);
        var cursor = from;
        while (runs.Count < count && expression.GetNextOccurrence(cursor, zone) is { } next)
        {
            runs.Add(next);
            cursor = next;
        }
        return runs.ToArray();
    }

    private protected virtual string CronForNextRuns => RequirePattern(null).ToCron();

    private protected CalendarPattern RequirePattern(JameyScheduler? scheduler) =>
        Pattern ?? throw ((EveryHoursTrigger)this).NotDividingADay(scheduler);

    // ---- persistence ---------------------------------------------------------------------

    /// <summary>A compact, culture-free text form, read back by <see cref="ParseSpec"/> ("every 360m from 02:30", "daily 02:30", "weekly Mon,Thu 03:00", "cron 0 */6 * * *").</summary>
    public abstract string ToSpec();

    public static ScheduleTrigger ParseSpec(string spec)
    {
        var s = spec.Trim();
        var space = s.IndexOf(' ');
        var kind = space < 0 ? s : s[..space];
        var rest = space < 0 ? "" : s[(space + 1)..].Trim();
        switch (kind)
        {
            case "every":
            {
                var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length is 1 or 3 && words[0].EndsWith('m')
                    && int.TryParse(words[0][..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
                {
                    var start = words.Length == 3 && words[1] == "from" ? ParseTime(words[2]) : (TimeOnly?)null;
                    if (words.Length == 1 || start is not null) return new EveryHoursTrigger(minutes / 60.0, start);
                }
                break;
            }
            case "daily": return new DailyTrigger(ParseTime(rest));
            case "weekly":
            {
                var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 2)
                    return new WeeklyTrigger(words[0].Split(',').Select(d => WeeklyTrigger.ParseDay(d)), ParseTime(words[1]));
                break;
            }
            case "cron": return new CronTrigger(rest);
        }
        throw new ScheduleTriggerException("Trigger", $"'{spec}' is not a schedule trigger.");
    }

    internal static string Hm(TimeOnly t) => t.ToString("HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>
/// Every N hours, on the clock. When N divides a day (or, below an hour, divides an hour: 1, 2, 3, 4,
/// 6, 8, 12 or 24 hours; 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes) the runs are the same times
/// every day, counted from <see cref="Start"/>: every 6 hours from 02:30 is 02:30, 08:30, 14:30 and
/// 20:30, and every scheduler can express it. Any other interval (5 hours, 90 minutes, 48 hours) would
/// drift across days; only Task Scheduler can express that, as a repetition counted from
/// <see cref="Start"/> on 1 January 2001 (local time), so the runs do not depend on when it was registered.
/// </summary>
public sealed record EveryHoursTrigger : ScheduleTrigger
{
    /// <summary>The longest interval accepted at all (a year, like BACKUP_INTERVAL_HOURS).</summary>
    public const int MaxMinutes = 366 * 24 * 60;

    /// <summary>The local date and time non-dividing intervals are counted from (with <see cref="Start"/>'s time).</summary>
    public static readonly DateOnly Epoch = new(2001, 1, 1);

    public EveryHoursTrigger(double hours, TimeOnly? start = null)
    {
        if (double.IsNaN(hours) || double.IsInfinity(hours) || hours <= 0)
            throw new ScheduleTriggerException("Hours", $"The interval {hours.ToString(CultureInfo.InvariantCulture)} hours is not valid: it must be more than 0.");
        var minutes = hours * 60;
        var whole = Math.Round(minutes);
        if (Math.Abs(minutes - whole) > 1e-6 || whole < 1)
            throw new ScheduleTriggerException("Hours", $"The interval {hours.ToString(CultureInfo.InvariantCulture)} hours is not a whole number of minutes; schedulers count in minutes.");
        if (whole > MaxMinutes)
            throw new ScheduleTriggerException("Hours", $"The interval {hours.ToString(CultureInfo.InvariantCulture)} hours is longer than a year.");
        IntervalMinutes = (int)whole;
        Hours = IntervalMinutes / 60.0;
        Start = CheckWholeMinute(start ?? TimeOnly.MinValue, "Start");
    }

    public double Hours { get; }
    public int IntervalMinutes { get; }
    public TimeOnly Start { get; }

    /// <summary>True when the runs fall at the same times every day (the interval divides a day, or an hour).</summary>
    public bool DividesDay => IntervalMinutes < 60 ? 60 % IntervalMinutes == 0 : IntervalMinutes % 60 == 0 && 1440 % IntervalMinutes == 0;

    /// <summary>The first run of each day (for an interval that divides a day).</summary>
    public TimeOnly FirstOfDay
    {
        get
        {
            int m = IntervalMinutes;
            if (m < 60) return new TimeOnly(0, Start.Minute % m);
            return new TimeOnly(Start.Hour % (m / 60), Start.Minute);
        }
    }

    public override string Description
    {
        get
        {
            var every = IntervalMinutes % 60 == 0
                ? IntervalMinutes == 60 ? "Every hour" : $"Every {IntervalMinutes / 60} hours"
                : IntervalMinutes == 1 ? "Every minute" : $"Every {IntervalMinutes} minutes";
            var from = DividesDay ? FirstOfDay : Start;
            return from == TimeOnly.MinValue ? every : $"{every} from {Hm(from)}";
        }
    }

    internal override CalendarPattern? Pattern
    {
        get
        {
            if (!DividesDay) return null;
            int m = IntervalMinutes;
            var first = FirstOfDay;
            if (m < 60)
                return new CalendarPattern(Enumerable.Range(0, 60 / m).Select(k => first.Minute + k * m), Enumerable.Range(0, 24));
            int h = m / 60;
            return new CalendarPattern([first.Minute], Enumerable.Range(0, 24 / h).Select(k => first.Hour + k * h));
        }
    }

    /// <summary>The first run of a non-dividing interval, as an instant: <see cref="Epoch"/> at <see cref="Start"/>, local time.</summary>
    public DateTimeOffset AnchorIn(TimeZoneInfo zone)
    {
        var local = Epoch.ToDateTime(Start, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    internal ScheduleTriggerException NotDividingADay(JameyScheduler? scheduler)
    {
        var who = scheduler is { } s ? SchedulerNames.Display(s) : "a calendar scheduler";
        return new ScheduleTriggerException("Hours",
            $"{Description} cannot be expressed by {who}: the interval must divide a day (1, 2, 3, 4, 6, 8, 12 or 24 hours) " +
            "or an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes), or the run times would drift from day to day. " +
            "Choose such an interval, a Daily, Weekly or Cron trigger, or the Windows Task Scheduler.", scheduler);
    }

    public override IReadOnlyList<XElement> ToTaskSchedulerTriggerXml(TimeZoneInfo? zone = null) =>
        DividesDay ? base.ToTaskSchedulerTriggerXml(zone) : [TaskSchedulerXml.Repeating(this, zone ?? TimeZoneInfo.Local)];

    public override DateTimeOffset[] GetNextRuns(DateTimeOffset from, int count = 5, TimeZoneInfo? zone = null)
    {
        if (DividesDay) return base.GetNextRuns(from, count, zone);
        zone ??= TimeZoneInfo.Local;
        // Task Scheduler repeats in elapsed time from the anchor instant (StartBoundary is written in UTC).
        var anchor = AnchorIn(zone);
        var interval = TimeSpan.FromMinutes(IntervalMinutes);
        long k = from < anchor ? 0 : (long)Math.Floor((from - anchor) / interval) + 1;
        return Enumerable.Range(0, count)
            .Select(i => TimeZoneInfo.ConvertTime(anchor + (k + i) * interval, zone))
            .ToArray();
    }

    public override string ToSpec() => $"every {IntervalMinutes.ToString(CultureInfo.InvariantCulture)}m from {Hm(Start)}";
}

/// <summary>Every day at one time.</summary>
public sealed record DailyTrigger : ScheduleTrigger
{
    public DailyTrigger(TimeOnly at) => At = CheckWholeMinute(at, "Time");

    public TimeOnly At { get; }
    public override string Description => $"Daily at {Hm(At)}";
    internal override CalendarPattern Pattern => new([At.Minute], [At.Hour]);
    public override string ToSpec() => $"daily {Hm(At)}";
}

/// <summary>On some days of the week at one time.</summary>
public sealed record WeeklyTrigger : ScheduleTrigger
{
    static readonly string[] Short = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    public WeeklyTrigger(IEnumerable<DayOfWeek> days, TimeOnly at)
    {
        var list = (days ?? throw new ScheduleTriggerException("Days", "A weekly schedule needs at least one day of the week.")).ToList();
        if (list.Count == 0) throw new ScheduleTriggerException("Days", "A weekly schedule needs at least one day of the week; the list of days is empty.");
        foreach (var d in list)
            if (!Enum.IsDefined(d)) throw new ScheduleTriggerException("Days", $"{(int)d} is not a day of the week.");
        // Monday first, as people read a week
        Days = list.Distinct().OrderBy(d => ((int)d + 6) % 7).ToArray();
        At = CheckWholeMinute(at, "Time");
    }

    public IReadOnlyList<DayOfWeek> Days { get; }
    public TimeOnly At { get; }

    public override string Description => $"Weekly on {string.Join(", ", Days.Select(d => Short[(int)d]))} at {Hm(At)}";
    internal override CalendarPattern Pattern => new([At.Minute], [At.Hour], daysOfWeek: Days.Select(d => (int)d));
    public override string ToSpec() => $"weekly {string.Join(',', Days.Select(d => Short[(int)d]))} {Hm(At)}";

    public bool Equals(WeeklyTrigger? other) => other is not null && At == other.At && Days.SequenceEqual(other.Days);
    public override int GetHashCode() => HashCode.Combine(At, string.Join(',', Days));

    /// <summary>A day from its English name or three-letter abbreviation (any case), or 0–7 (0 and 7 are Sunday).</summary>
    public static DayOfWeek ParseDay(string text)
    {
        var t = text.Trim();
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 7) return (DayOfWeek)(n % 7);
        foreach (var d in Enum.GetValues<DayOfWeek>())
            if (t.Length >= 3 && d.ToString().StartsWith(t, StringComparison.OrdinalIgnoreCase)) return d;
        throw new ScheduleTriggerException("Days", $"'{text}' is not a day of the week.");
    }
}

/// <summary>
/// A five-field cron expression (see <see cref="CronSyntax"/> for what is accepted). It is kept
/// as written (names turned into numbers) for cron itself, and translated exactly for the others.
/// </summary>
public sealed record CronTrigger : ScheduleTrigger
{
    readonly CalendarPattern _pattern;

    public CronTrigger(string expression)
    {
        (Expression, _pattern) = CronSyntax.Parse(expression);
        try { CronExpression.Parse(Expression, CronFormat.Standard); }
        catch (CronFormatException e) { throw new ScheduleTriggerException("CronExpression", $"The cron expression '{expression}' is not valid: {e.Message}"); }
    }

    /// <summary>The normalized expression: five fields, single spaces, numbers instead of names, macros expanded.</summary>
    public string Expression { get; }

    public override string Description => $"Cron {Expression}";
    internal override CalendarPattern Pattern => _pattern;
    public override string ToCron() => Expression;
    private protected override string CronForNextRuns => Expression;
    public override string ToSpec() => $"cron {Expression}";

    public bool Equals(CronTrigger? other) => other is not null && Expression == other.Expression;
    public override int GetHashCode() => Expression.GetHashCode(StringComparison.Ordinal);
}
