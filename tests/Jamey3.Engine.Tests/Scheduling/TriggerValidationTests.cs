using Jamey3.Engine.Errors;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class TriggerValidationTests
{
    static ScheduleTriggerException Fails(Action build)
    {
        var e = Assert.Throws<ScheduleTriggerException>(build);
        Assert.Equal("InvalidScheduleTrigger", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidArgument, e.Kind);
        return e;
    }

    [Fact]
    public void Hour_25_is_rejected_naming_the_hour()
    {
        var e = Fails(() => ScheduleTrigger.Daily(25, 0));
        Assert.Equal("Hour", e.Part);
        Assert.Contains("Hour 25", e.Message);

        e = Fails(() => ScheduleTrigger.Daily("25:00"));
        Assert.Equal("Hour", e.Part);
    }

    [Fact]
    public void Minute_60_is_rejected_naming_the_minute()
    {
        var e = Fails(() => ScheduleTrigger.Weekly([DayOfWeek.Monday], "03:60"));
        Assert.Equal("Minute", e.Part);
        Assert.Contains("Minute 60", e.Message);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("03:00:00")]
    [InlineData("3pm")]
    [InlineData("")]
    public void Times_that_are_not_HH_mm_are_rejected(string text)
    {
        Assert.Equal("Time", Fails(() => ScheduleTrigger.ParseTime(text)).Part);
    }

    [Fact]
    public void A_time_with_seconds_is_rejected()
    {
        Assert.Equal("Time", Fails(() => ScheduleTrigger.Daily(new TimeOnly(2, 30, 15))).Part);
    }

    [Fact]
    public void An_empty_day_list_is_rejected()
    {
        var e = Fails(() => ScheduleTrigger.Weekly([], new TimeOnly(3, 0)));
        Assert.Equal("Days", e.Part);
        Assert.Contains("empty", e.Message);
        Assert.Equal("Days", Fails(() => ScheduleTrigger.Weekly([(DayOfWeek)9], new TimeOnly(3, 0))).Part);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-6)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.001)] // 3.6 seconds
    [InlineData(1.0 / 7)] // not whole minutes
    [InlineData(24 * 400)]
    public void Bad_intervals_are_rejected_naming_the_hours(double hours)
    {
        Assert.Equal("Hours", Fails(() => ScheduleTrigger.EveryHours(hours)).Part);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(1.5)]
    [InlineData(48)]
    [InlineData(7.0 / 60)] // 7 minutes
    public void Intervals_that_do_not_divide_a_day_are_rejected_by_calendar_schedulers_but_not_by_Task_Scheduler(double hours)
    {
        var trigger = ScheduleTrigger.EveryHours(hours);
        Assert.False(trigger.DividesDay);

        var cron = Fails(() => trigger.ToCron());
        Assert.Equal(JameyScheduler.Cron, cron.Scheduler);
        Assert.Equal("Hours", cron.Part);
        Assert.Contains("cron", cron.Message);
        Assert.Contains("divide a day", cron.Message);
        Assert.Equal(JameyScheduler.Systemd, Fails(() => trigger.ToSystemdOnCalendar()).Scheduler);
        Assert.Equal(JameyScheduler.Launchd, Fails(() => trigger.ToLaunchdCalendar()).Scheduler);

        Assert.Single(trigger.ToTaskSchedulerTriggerXml(TimeZoneInfo.Utc)); // one repeating TimeTrigger
    }

    [Fact]
    public void Cron_with_both_day_fields_restricted_is_rejected_because_cron_ORs_them()
    {
        var e = Fails(() => ScheduleTrigger.Cron("0 3 1 * 1"));
        Assert.Equal("Day fields", e.Part);
        Assert.Contains("day of the month ('1')", e.Message);
        Assert.Contains("day of the week ('1')", e.Message);
        Assert.Contains("EITHER", e.Message);

        Fails(() => ScheduleTrigger.Cron("0 3 */2 * mon-fri"));
        // one of them '*' is fine
        Assert.Equal("0 3 1-15 * *", ScheduleTrigger.Cron("0 3 1-15 * *").ToCron());
        Assert.Equal("0 3 * * 1-5", ScheduleTrigger.Cron("0 3 * * mon-fri").ToCron());
    }

    [Theory]
    [InlineData("", "CronExpression")]
    [InlineData("garbage", "CronExpression")]
    [InlineData("* * * *", "CronExpression")]
    [InlineData("0 0 * * * *", "CronExpression")] // seconds or year: not cron
    [InlineData("60 * * * *", "Minute field")]
    [InlineData("0 25 * * *", "Hour field")]
    [InlineData("0 0 32 * *", "Day-of-month field")]
    [InlineData("0 0 0 * *", "Day-of-month field")]
    [InlineData("0 0 * 13 *", "Month field")]
    [InlineData("0 0 * * 8", "Day-of-week field")]
    [InlineData("0 0 L * *", "Day-of-month field")]
    [InlineData("0 0 15W * *", "Day-of-month field")]
    [InlineData("0 0 * * 1#2", "Day-of-week field")]
    [InlineData("0 0 ? * 1", "Day-of-month field")]
    [InlineData("*/0 * * * *", "Minute field")]
    [InlineData("5/15 * * * *", "Minute field")]
    [InlineData("30-10 * * * *", "Minute field")]
    [InlineData("0 0 * foo *", "Month field")]
    [InlineData("0,,5 * * * *", "Minute field")]
    [InlineData("@reboot", "CronExpression")]
    [InlineData("@every_minute", "CronExpression")]
    public void Garbage_cron_is_rejected_naming_the_bad_part(string expression, string part)
    {
        var e = Fails(() => ScheduleTrigger.Cron(expression));
        Assert.Equal(part, e.Part);
        Assert.Null(e.Scheduler);
    }

    [Fact]
    public void Out_of_range_cron_values_say_which_value_and_range()
    {
        var e = Fails(() => ScheduleTrigger.Cron("60 * * * *"));
        Assert.Contains("Minute 60", e.Message);
        Assert.Contains("0-59", e.Message);
    }

    [Theory]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@HOURLY", "0 * * * *")]
    [InlineData("  0   */6 *  * *  ", "0 */6 * * *")]
    [InlineData("0 3 * jan-mar,dec SUN", "0 3 * 1-3,12 0")]
    [InlineData("15,45 8-18/2 * * 7", "15,45 8-18/2 * * 7")]
    public void Cron_expressions_are_normalized(string expression, string normalized)
    {
        Assert.Equal(normalized, ScheduleTrigger.Cron(expression).Expression);
    }

    [Theory]
    [InlineData("nightly")]
    [InlineData("a")]
    [InlineData("Backup_2-b")]
    public void Good_names_pass(string name) => ScheduleName.Validate(name);

    [Theory]
    [InlineData("")]
    [InlineData("-x")]
    [InlineData("_x")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a.b")]
    [InlineData("ä")]
    [InlineData("nightly\n")]
    public void Bad_names_fail_with_InvalidScheduleName(string name)
    {
        var e = Assert.Throws<JameyException>(() => ScheduleName.Validate(name));
        Assert.Equal("InvalidScheduleName", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidArgument, e.Kind);
        Assert.False(ScheduleName.IsValid(new string('a', 65)));
    }

    [Theory]
    [InlineData(6, null, "every 360m from 00:00")]
    [InlineData(0.25, "00:05", "every 15m from 00:05")]
    public void Specs_round_trip(double hours, string? start, string spec)
    {
        var t = ScheduleTrigger.EveryHours(hours, start is null ? null : TimeOnly.Parse(start));
        Assert.Equal(spec, t.ToSpec());
        Assert.Equal(t, ScheduleTrigger.ParseSpec(spec));
        foreach (var other in new ScheduleTrigger[]
                 {
                     ScheduleTrigger.Daily(2, 30),
                     ScheduleTrigger.Weekly([DayOfWeek.Thursday, DayOfWeek.Monday], "03:00"),
                     ScheduleTrigger.Cron("0 */6 * * *"),
                 })
            Assert.Equal(other, ScheduleTrigger.ParseSpec(other.ToSpec()));
    }
}
