using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class TriggerRenderingTests
{
    static readonly ScheduleTrigger Every6 = ScheduleTrigger.EveryHours(6);
    static readonly ScheduleTrigger MonThu = ScheduleTrigger.Weekly([DayOfWeek.Thursday, DayOfWeek.Monday], "03:00");

    [Fact]
    public void Human_descriptions()
    {
        Assert.Equal("Every 6 hours", Every6.Description);
        Assert.Equal("Every 6 hours from 02:30", ScheduleTrigger.EveryHours(6, new TimeOnly(20, 30)).Description);
        Assert.Equal("Every hour", ScheduleTrigger.EveryHours(1).Description);
        Assert.Equal("Every 24 hours", ScheduleTrigger.EveryHours(24).Description);
        Assert.Equal("Every 15 minutes", ScheduleTrigger.EveryHours(0.25).Description);
        Assert.Equal("Every 5 hours", ScheduleTrigger.EveryHours(5).Description);
        Assert.Equal("Daily at 02:30", ScheduleTrigger.Daily(2, 30).Description);
        Assert.Equal("Weekly on Mon, Thu at 03:00", MonThu.Description);
        Assert.Equal("Weekly on Sat, Sun at 23:05", ScheduleTrigger.Weekly([DayOfWeek.Sunday, DayOfWeek.Saturday, DayOfWeek.Sunday], "23:05").Description);
        Assert.Equal("Cron 0 */6 * * *", ScheduleTrigger.Cron("0 */6 * * *").Description);
    }

    [Fact]
    public void Cron_renderings()
    {
        Assert.Equal("0 */6 * * *", Every6.ToCron());
        Assert.Equal("30 2,8,14,20 * * *", ScheduleTrigger.EveryHours(6, new TimeOnly(2, 30)).ToCron());
        Assert.Equal("*/15 * * * *", ScheduleTrigger.EveryHours(0.25).ToCron());
        Assert.Equal("5,20,35,50 * * * *", ScheduleTrigger.EveryHours(0.25, new TimeOnly(7, 5)).ToCron());
        Assert.Equal("0 * * * *", ScheduleTrigger.EveryHours(1).ToCron());
        Assert.Equal("0 0 * * *", ScheduleTrigger.EveryHours(24).ToCron());
        Assert.Equal("30 2 * * *", ScheduleTrigger.Daily(2, 30).ToCron());
        Assert.Equal("0 3 * * 1,4", MonThu.ToCron());
        Assert.Equal("0 3 * * 0,6", ScheduleTrigger.Weekly([DayOfWeek.Saturday, DayOfWeek.Sunday], "03:00").ToCron());
    }

    [Fact]
    public void Systemd_renderings()
    {
        Assert.Equal(["*-*-* 00/6:00:00"], Every6.ToSystemdOnCalendar());
        Assert.Equal(["*-*-* 02/6:30:00"], ScheduleTrigger.EveryHours(6, new TimeOnly(20, 30)).ToSystemdOnCalendar());
        Assert.Equal(["*-*-* *:05/15:00"], ScheduleTrigger.EveryHours(0.25, new TimeOnly(0, 5)).ToSystemdOnCalendar());
        Assert.Equal(["*-*-* 02:30:00"], ScheduleTrigger.Daily(2, 30).ToSystemdOnCalendar());
        Assert.Equal(["Mon,Thu *-*-* 03:00:00"], MonThu.ToSystemdOnCalendar());
        Assert.Equal(["Mon,Sun *-*-* 03:00:00"], ScheduleTrigger.Cron("0 3 * * 0,1").ToSystemdOnCalendar());
        Assert.Equal(["*-01,07-01 04:00:00"], ScheduleTrigger.Cron("0 4 1 1,7 *").ToSystemdOnCalendar());
    }

    [Fact]
    public void Launchd_renderings()
    {
        var every6 = Every6.ToLaunchdCalendar();
        Assert.Equal([0, 6, 12, 18], every6.Select(d => d["Hour"]));
        Assert.All(every6, d => Assert.Equal(0, d["Minute"]));
        Assert.All(every6, d => Assert.Equal(2, d.Count));

        var monThu = MonThu.ToLaunchdCalendar();
        Assert.Equal([1, 4], monThu.Select(d => d["Weekday"]).Order());
        Assert.All(monThu, d => { Assert.Equal(3, d["Hour"]); Assert.Equal(0, d["Minute"]); });

        var quarter = ScheduleTrigger.EveryHours(0.25).ToLaunchdCalendar();
        Assert.Equal([0, 15, 30, 45], quarter.Select(d => d["Minute"]));
        Assert.All(quarter, d => Assert.False(d.ContainsKey("Hour"))); // any hour

        var e = Assert.Throws<ScheduleTriggerException>(() => ScheduleTrigger.Cron("0-58 0-22 1-30 * *").ToLaunchdCalendar());
        Assert.Equal(JameyScheduler.Launchd, e.Scheduler);
    }

    [Fact]
    public void Next_five_runs_of_daily_0230_from_a_fixed_now()
    {
        var now = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);
        var runs = ScheduleTrigger.Daily(2, 30).GetNextRuns(now, 5, TimeZoneInfo.Utc);
        Assert.Equal(
            Enumerable.Range(11, 5).Select(d => new DateTimeOffset(2025, 3, d, 2, 30, 0, TimeSpan.Zero)),
            runs);

        // exactly at a run time: the next one is the following day (strictly after)
        var at = ScheduleTrigger.Daily(2, 30).GetNextRuns(new DateTimeOffset(2025, 3, 11, 2, 30, 0, TimeSpan.Zero), 1, TimeZoneInfo.Utc);
        Assert.Equal(new DateTimeOffset(2025, 3, 12, 2, 30, 0, TimeSpan.Zero), at.Single());
    }

    [Fact]
    public void Next_runs_are_local_times_across_a_DST_change()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var now = new DateTimeOffset(2025, 3, 28, 12, 0, 0, TimeSpan.FromHours(1));
        var runs = ScheduleTrigger.Daily(3, 0).GetNextRuns(now, 3, berlin);
        Assert.Equal(new DateTimeOffset(2025, 3, 29, 3, 0, 0, TimeSpan.FromHours(1)), runs[0]);
        Assert.Equal(new DateTimeOffset(2025, 3, 30, 3, 0, 0, TimeSpan.FromHours(2)), runs[1]); // summer time began at 02:00
        Assert.Equal(new DateTimeOffset(2025, 3, 31, 3, 0, 0, TimeSpan.FromHours(2)), runs[2]);
        Assert.All(runs, r => Assert.Equal(3, r.Hour));
    }

    [Fact]
    public void Next_runs_of_every_6_hours_and_weekly()
    {
        var now = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero); // Monday noon
        Assert.Equal(
            new[] { "2025-03-10 18:00", "2025-03-11 00:00", "2025-03-11 06:00", "2025-03-11 12:00", "2025-03-11 18:00" },
            Every6.GetNextRuns(now, 5, TimeZoneInfo.Utc).Select(F));
        Assert.Equal(
            new[] { "2025-03-13 03:00", "2025-03-17 03:00", "2025-03-20 03:00", "2025-03-24 03:00", "2025-03-27 03:00" },
            MonThu.GetNextRuns(now, 5, TimeZoneInfo.Utc).Select(F));
    }

    [Fact]
    public void Next_runs_of_an_interval_that_does_not_divide_a_day_count_from_the_anchor()
    {
        var every5 = ScheduleTrigger.EveryHours(5);
        var runs = every5.GetNextRuns(new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero), 3, TimeZoneInfo.Utc);
        var anchor = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.All(runs, r => Assert.Equal(0, (r - anchor).TotalMinutes % 300));
        Assert.Equal(TimeSpan.FromHours(5), runs[1] - runs[0]);
        Assert.True(runs[0] > new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero));
        Assert.True(runs[0] <= new DateTimeOffset(2025, 3, 10, 17, 0, 0, TimeSpan.Zero));
    }

    static string F(DateTimeOffset t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static TheoryData<string> Expressions => new()
    {
        "0 */6 * * *", "*/15 * * * *", "5,35 8-18 * * 1-5", "0 3 1,15 * *", "30 4 * 2,5-6 *",
        "0 0 */2 * *", "10 9-17/3 * * sun,sat", "0 12 * * 7", "7 1 29 2 *", "@monthly", "59 23 31 * *",
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void The_pattern_every_other_scheduler_is_rendered_from_means_what_cron_means(string expression)
    {
        // Cronos evaluates the expression as written and as re-rendered from the pattern: same runs.
        var trigger = ScheduleTrigger.Cron(expression);
        var rendered = trigger.Pattern!.ToCron();
        var a = CronExpression.Parse(trigger.Expression);
        var b = CronExpression.Parse(rendered);
        var from = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(a.GetOccurrences(from, to).Take(3000), b.GetOccurrences(from, to).Take(3000));
    }

    public static TheoryData<string> Triggers => new()
    {
        "every 360m from 00:00", "every 360m from 02:30", "every 15m from 00:05", "every 60m from 00:00", "every 1440m from 04:10",
        "daily 02:30", "weekly Mon,Thu 03:00", "weekly Sun 23:59",
        "cron 0 */6 * * *", "cron 5,35 8-18 * * 1-5", "cron 0 3 1,15 * *", "cron 30 4 * 2,5-6 *", "cron 0 0 */2 * *",
        "cron 10 9-17/3 * * 0,6", "cron 7 1 29 2 *", "cron 59 23 31 * *",
    };

    /// <summary>systemd-analyze calendar is systemd's own parser: its next elapses must be our next runs.</summary>
    [Theory]
    [MemberData(nameof(Triggers))]
    public void Systemd_calendar_agrees_with_the_next_runs(string spec)
    {
        var trigger = ScheduleTrigger.ParseSpec(spec);
        var calendar = trigger.ToSystemdOnCalendar().Single();
        var baseTime = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);
        var result = ExternalTool.Run("systemd-analyze", "calendar", "--iterations=5",
            "--base-time=" + baseTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC", calendar + " UTC");
        Assert.True(result is not null, "systemd-analyze is needed for this test; build.ps1 -Task Setup installs it.");
        Assert.True(result.Value.ExitCode == 0, result.Value.Output);

        var elapses = Regex.Matches(result.Value.Output, @"(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")
            .Select(m => m.Groups[1].Value).ToArray();
        var ours = trigger.GetNextRuns(baseTime, 5, TimeZoneInfo.Utc)
            .Select(t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ours, elapses);
    }
}
