using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Task Scheduler XML (schema version 1.2, Windows Vista and later). Calendar times are written as
/// local wall-clock times (no offset in StartBoundary), like cron and systemd use them; the only
/// elapsed-time trigger (an interval that does not divide a day) is anchored in UTC.
/// </summary>
internal static class TaskSchedulerXml
{
    public static readonly XNamespace Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    /// <summary>The Task Scheduler folder all Jamey3 tasks live in.</summary>
    public const string Folder = @"\Jamey3\";

    /// <summary>The schema allows at most 48 triggers in a task.</summary>
    public const int MaxTriggers = 48;

    /// <summary>The date calendar triggers start from (a Monday, long past: the task is active at once).</summary>
    const string StartDate = "2001-01-01";

    static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];

    public static IReadOnlyList<XElement> Triggers(CalendarPattern p, ScheduleTrigger trigger)
    {
        XElement days;
        if (p.DaysOfWeek is null && p.DaysOfMonth is null && p.Months is null)
            days = new XElement(Ns + "ScheduleByDay", new XElement(Ns + "DaysInterval", 1));
        else if (p.DaysOfWeek is not null && p.Months is null)
            days = new XElement(Ns + "ScheduleByWeek",
                new XElement(Ns + "WeeksInterval", 1),
                new XElement(Ns + "DaysOfWeek", p.DaysOfWeek.OrderBy(d => (d + 6) % 7).Select(d => new XElement(Ns + DayNames[d]))));
        else if (p.DaysOfWeek is null)
            days = new XElement(Ns + "ScheduleByMonth",
                new XElement(Ns + "DaysOfMonth", (p.DaysOfMonth ?? Enumerable.Range(1, 31)).Select(d => new XElement(Ns + "Day", d))),
                new XElement(Ns + "Months", (p.Months ?? Enumerable.Range(1, 12)).Select(m => new XElement(Ns + MonthNames[m - 1]))));
        else
            throw new ScheduleTriggerException("CronExpression",
                $"'{trigger.Description}' restricts both the month and the day of the week; Task Scheduler can only do that by weeks of the month, which is not the same. Restrict one of the two.",
                JameyScheduler.TaskScheduler);

        var groups = Groups(p.TimesOfDay) ?? throw new ScheduleTriggerException("CronExpression",
            $"'{trigger.Description}' starts at {p.TimesOfDay.Length} different times a day that do not form a few regular series; " +
            $"Task Scheduler allows at most {MaxTriggers} triggers in a task. Simplify the expression.", JameyScheduler.TaskScheduler);

        return groups.Select(g =>
        {
            var t = new XElement(Ns + "CalendarTrigger",
                new XElement(Ns + "StartBoundary", $"{StartDate}T{g.Start / 60:00}:{g.Start % 60:00}:00"));
            if (g.Count > 1)
                t.Add(new XElement(Ns + "Repetition",
                    new XElement(Ns + "Interval", Duration(g.Step)),
                    // The end of the duration is inclusive (interval 1 min, duration 4 min = 5 runs), so
                    // (count - 1) steps give exactly count runs and never one at the next day's first time.
                    new XElement(Ns + "Duration", Duration(g.Step * (g.Count - 1))),
                    new XElement(Ns + "StopAtDurationEnd", false)));
            t.Add(new XElement(days));
            return t;
        }).ToList();
    }

    /// <summary>An interval that does not divide a day: one TimeTrigger repeating forever from the anchor instant.</summary>
    public static XElement Repeating(EveryHoursTrigger trigger, TimeZoneInfo zone)
    {
        if (trigger.IntervalMinutes > 31 * 1440)
            throw new ScheduleTriggerException("Hours", $"{trigger.Description}: Task Scheduler repeats at most every 31 days.", JameyScheduler.TaskScheduler);
        var anchor = trigger.AnchorIn(zone).UtcDateTime;
        return new XElement(Ns + "TimeTrigger",
            new XElement(Ns + "StartBoundary", anchor.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            new XElement(Ns + "Repetition",
                new XElement(Ns + "Interval", Duration(trigger.IntervalMinutes)),
                new XElement(Ns + "StopAtDurationEnd", false)));
    }

    static string Duration(int minutes) => XmlConvert.ToString(TimeSpan.FromMinutes(minutes));

    /// <summary>
    /// Splits the start times of a day into as few evenly spaced series as possible (each becomes
    /// one trigger with a repetition): all of them, else one series per minute of the hour, else one
    /// trigger per time. Null when even that needs more than <see cref="MaxTriggers"/> triggers.
    /// </summary>
    internal static IReadOnlyList<(int Start, int Step, int Count)>? Groups(int[] times)
    {
        if (IsSeries(times)) return [Series(times)];
        var byMinute = times.GroupBy(t => t % 60).Select(g => g.Order().ToArray()).ToList();
        if (byMinute.Count <= MaxTriggers && byMinute.All(IsSeries)) return byMinute.Select(Series).OrderBy(s => s.Start).ToList();
        if (times.Length <= MaxTriggers) return times.Select(t => (t, 0, 1)).ToList();
        return null;
    }

    static bool IsSeries(int[] s) => s.Length <= 2 || Enumerable.Range(2, s.Length - 2).All(i => s[i] - s[i - 1] == s[1] - s[0]);
    static (int Start, int Step, int Count) Series(int[] s) => (s[0], s.Length > 1 ? s[1] - s[0] : 0, s.Length);

    /// <summary>The whole task definition.</summary>
    public static XDocument Task(string name, string description, IReadOnlyList<XElement> triggers,
        IReadOnlyList<string> argv, string? workingDirectory, TimeSpan executionTimeLimit)
    {
        var exec = new XElement(Ns + "Exec",
            new XElement(Ns + "Command", argv[0]),
            new XElement(Ns + "Arguments", CommandQuoting.WindowsCommandLine(argv.Skip(1))));
        if (workingDirectory is not null) exec.Add(new XElement(Ns + "WorkingDirectory", workingDirectory));

        return new XDocument(
            new XDeclaration("1.0", "UTF-16", null),
            new XElement(Ns + "Task", new XAttribute("version", "1.2"),
                new XElement(Ns + "RegistrationInfo",
                    new XElement(Ns + "Author", "Jamey3"),
                    new XElement(Ns + "Description", description),
                    new XElement(Ns + "URI", Folder + name)),
                new XElement(Ns + "Triggers", triggers),
                new XElement(Ns + "Principals",
                    new XElement(Ns + "Principal", new XAttribute("id", "Author"),
                        new XElement(Ns + "LogonType", "InteractiveToken"),
                        new XElement(Ns + "RunLevel", "LeastPrivilege"))),
                new XElement(Ns + "Settings",
                    new XElement(Ns + "MultipleInstancesPolicy", "IgnoreNew"),
                    new XElement(Ns + "DisallowStartIfOnBatteries", false),
                    new XElement(Ns + "StopIfGoingOnBatteries", false),
                    new XElement(Ns + "StartWhenAvailable", true),
                    new XElement(Ns + "ExecutionTimeLimit", XmlConvert.ToString(executionTimeLimit)),
                    new XElement(Ns + "Enabled", true)),
                new XElement(Ns + "Actions", new XAttribute("Context", "Author"), exec)));
    }

    /// <summary>The document as text with its UTF-16 declaration, as schtasks /XML expects it (written to disk as UTF-16 with a BOM).</summary>
    public static string ToText(XDocument doc)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        using (var xw = XmlWriter.Create(sw, new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = Encoding.Unicode }))
            doc.Save(xw);
        return sw.ToString() + Environment.NewLine;
    }
}
