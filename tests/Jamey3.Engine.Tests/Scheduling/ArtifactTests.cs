using System.Text;
using System.Xml.Linq;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class ArtifactTests
{
    static readonly XNamespace Task = "http://schemas.microsoft.com/windows/2004/02/mit/task";
    static readonly ScheduleTrigger Every6 = ScheduleTrigger.EveryHours(6);
    static readonly ScheduleTrigger MonThu = ScheduleTrigger.Weekly([DayOfWeek.Monday, DayOfWeek.Thursday], "03:00");

    static ScheduleDefinition Def(TempDirectory dir, ScheduleTrigger trigger) => Sched.Definition(dir.Path, trigger: trigger) with
    {
        // awkward but legal paths: every artifact must carry them intact
        BackupPath = dir.Combine("back ups", "it's 100% $HOME"),
        WorkingDirectory = dir.Path,
        Verify = true,
        MetricsTextFile = dir.Combine("metrics", "jamey3.prom"),
    };

    /// <summary>State and home under a folder whose name every quoting scheme must survive ('%' is refused by Task Scheduler, so not there).</summary>
    static ScheduleEnvironment Env(TempDirectory dir, bool percent = true) => Sched.Env(dir.Combine(percent ? "odd 'dir' \"q\" $x 100%" : "odd 'dir' \"q\" $x"));

    [Fact]
    public void Preview_installs_nothing()
    {
        using var dir = new TempDirectory("sched");
        var runner = new FakeRunner();
        var store = new MemoryCrontab("0 1 * * * user\n");
        var env = Sched.Env(dir.Path, runner);
        foreach (IScheduler s in new IScheduler[]
                 {
                     new CronScheduler(env, store), new SystemdScheduler(env, dir.Combine("units")),
                     new TaskSchedulerScheduler(env), new LaunchdScheduler(env),
                 })
        {
            var p = s.Preview(Def(dir, Every6));
            Assert.Equal(ScheduleArtifact.Script, p.Artifacts[0].Kind);
            Assert.Equal(p.Schedule.ScriptPath, p.Artifacts[0].Location);
            Assert.True(p.Artifacts.Count >= 2);
            Assert.Equal(p.Artifacts.Select(a => a.Location), p.Schedule.ArtifactPaths);
        }
        Assert.Empty(runner.Calls);
        Assert.Equal(0, store.Writes);
        Assert.False(Directory.Exists(env.StateDirectory));
        Assert.False(Directory.Exists(dir.Combine("units")));
    }

    [Fact]
    public void Registered_artifacts_are_exactly_the_previewed_ones()
    {
        using var dir = new TempDirectory("sched");
        var env = Env(dir);
        var store = new MemoryCrontab();
        var systemd = new SystemdScheduler(env, dir.Combine("units"));
        var p = systemd.Preview(Def(dir, MonThu));
        systemd.Register(Def(dir, MonThu));
        foreach (var a in p.Artifacts)
            Assert.Equal(a.Content, File.ReadAllText(a.Location, Encoding.UTF8));

        var cron = new CronScheduler(env, store);
        var pc = cron.Preview(Def(dir, Every6) with { Name = "other" });
        cron.Register(Def(dir, Every6) with { Name = "other" });
        Assert.Equal(pc.Artifacts.Single(a => a.Kind == ScheduleArtifact.CrontabEntry).Content, store.Text);
    }

    // ---- systemd ---------------------------------------------------------------------------

    /// <summary>A unit file as sections of (key, value) pairs, comments dropped.</summary>
    static Dictionary<string, List<(string Key, string Value)>> ParseUnit(string text)
    {
        var sections = new Dictionary<string, List<(string, string)>>();
        List<(string, string)>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';')) continue;
            if (line.StartsWith('[')) { sections[line.Trim('[', ']')] = current = []; continue; }
            var eq = line.IndexOf('=');
            Assert.True(eq > 0 && current is not null, $"not a key=value line: {line}");
            current!.Add((line[..eq], line[(eq + 1)..]));
        }
        return sections;
    }

    static string One(Dictionary<string, List<(string Key, string Value)>> unit, string section, string key) =>
        Assert.Single(unit[section], kv => kv.Key == key).Value;

    /// <summary>systemd's reading of an ExecStart= line: '%%' → '%', double-quoted words with C escapes, '$$' → '$'.</summary>
    static List<string> SplitExecStart(string value)
    {
        var words = new List<string>();
        var text = value.Replace("%%", "\0");
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ') { i++; continue; }
            Assert.Equal('"', text[i]);
            var sb = new StringBuilder();
            for (i++; text[i] != '"'; i++)
            {
                if (text[i] == '\\') i++;
                sb.Append(text[i]);
            }
            i++;
            words.Add(sb.ToString().Replace("\0", "%").Replace("$$", "$"));
        }
        return words;
    }

    [Theory]
    [InlineData("every6")]
    [InlineData("monthu")]
    public void Systemd_units_are_well_formed_and_carry_the_command(string which)
    {
        using var dir = new TempDirectory("sched");
        var trigger = which == "every6" ? Every6 : MonThu;
        var p = new SystemdScheduler(Env(dir), dir.Combine("units")).Preview(Def(dir, trigger));
        var service = ParseUnit(p.Artifacts.Single(a => a.Kind == ScheduleArtifact.SystemdService).Content);
        var timer = ParseUnit(p.Artifacts.Single(a => a.Kind == ScheduleArtifact.SystemdTimer).Content);

        Assert.Equal(["Unit", "Service"], service.Keys);
        Assert.Equal("oneshot", One(service, "Service", "Type"));
        Assert.Equal(p.Schedule.CommandArguments, SplitExecStart(One(service, "Service", "ExecStart")));
        Assert.Equal(dir.Path, One(service, "Service", "WorkingDirectory"));
        Assert.Equal("append:" + p.Schedule.LogPath!.Replace("%", "%%"), One(service, "Service", "StandardError")); // specifiers escaped
        Assert.Equal("null", One(service, "Service", "StandardOutput"));
        Assert.Equal("43200s", One(service, "Service", "TimeoutStartSec"));

        Assert.Equal(["Unit", "Timer", "Install"], timer.Keys);
        Assert.Equal(which == "every6" ? "*-*-* 00/6:00:00" : "Mon,Thu *-*-* 03:00:00", One(timer, "Timer", "OnCalendar"));
        Assert.Equal("true", One(timer, "Timer", "Persistent"));
        Assert.Equal("jamey3-backup-nightly.service", One(timer, "Timer", "Unit"));
        Assert.Equal("timers.target", One(timer, "Install", "WantedBy"));
    }

    [Fact]
    public void Systemd_analyze_verify_accepts_the_units()
    {
        Assert.True(ExternalTool.Exists("systemd-analyze"), "systemd-analyze is needed for this test; build.ps1 -Task Setup installs it.");
        using var dir = new TempDirectory("sched");
        foreach (var (name, trigger) in new[] { ("every6", Every6), ("monthu", MonThu), ("cron", ScheduleTrigger.Cron("5,35 8-18 1,15 */3 *")) })
        {
            var def = Def(dir, trigger) with { Name = name };
            var p = new SystemdScheduler(Env(dir), dir.Combine("units")).Preview(def);
            var files = new List<string>();
            foreach (var a in p.Artifacts.Where(a => a.Kind is ScheduleArtifact.SystemdService or ScheduleArtifact.SystemdTimer))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(a.Location)!);
                File.WriteAllText(a.Location, a.Content);
                files.Add(a.Location);
            }
            var result = ExternalTool.Run("systemd-analyze", ["verify", .. files]);
            Assert.True(result!.Value.ExitCode == 0 && result.Value.Output.Trim().Length == 0, result.Value.Output);
        }
    }

    // ---- Task Scheduler --------------------------------------------------------------------

    /// <summary>The Windows runtime's argument splitting (CommandLineToArgvW rules).</summary>
    static List<string> SplitWindows(string line)
    {
        var args = new List<string>();
        var sb = new StringBuilder();
        bool inArg = false, quoted = false;
        for (int i = 0; i < line.Length;)
        {
            char c = line[i];
            if (!quoted && c is ' ' or '\t')
            {
                if (inArg) { args.Add(sb.ToString()); sb.Clear(); inArg = false; }
                i++;
                continue;
            }
            inArg = true;
            if (c == '\\')
            {
                int n = 0;
                while (i < line.Length && line[i] == '\\') { n++; i++; }
                if (i < line.Length && line[i] == '"')
                {
                    sb.Append('\\', n / 2);
                    if (n % 2 == 1) { sb.Append('"'); i++; }
                }
                else sb.Append('\\', n);
                continue;
            }
            if (c == '"') { quoted = !quoted; i++; continue; }
            sb.Append(c);
            i++;
        }
        if (inArg) args.Add(sb.ToString());
        return args;
    }

    static XDocument TaskXml(TempDirectory dir, ScheduleTrigger trigger, out SchedulePreview preview)
    {
        preview = new TaskSchedulerScheduler(Env(dir, percent: false)).Preview(Def(dir, trigger));
        var text = preview.Artifacts.Single(a => a.Kind == ScheduleArtifact.TaskXml).Content;
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-16\"?>", text);
        return XDocument.Parse(text);
    }

    [Fact]
    public void Task_xml_is_well_formed_and_carries_the_command()
    {
        using var dir = new TempDirectory("sched");
        var doc = TaskXml(dir, Every6, out var p);
        var root = doc.Root!;
        Assert.Equal(Task + "Task", root.Name);
        Assert.Equal("1.2", root.Attribute("version")!.Value);
        Assert.Equal(@"\Jamey3\nightly", root.Element(Task + "RegistrationInfo")!.Element(Task + "URI")!.Value);
        Assert.Contains("Every 6 hours", root.Element(Task + "RegistrationInfo")!.Element(Task + "Description")!.Value);

        var settings = root.Element(Task + "Settings")!;
        Assert.Equal("true", settings.Element(Task + "StartWhenAvailable")!.Value);
        Assert.Equal("IgnoreNew", settings.Element(Task + "MultipleInstancesPolicy")!.Value);
        Assert.Equal("PT12H", settings.Element(Task + "ExecutionTimeLimit")!.Value);
        Assert.Equal("InteractiveToken", root.Descendants(Task + "LogonType").Single().Value);

        var exec = root.Element(Task + "Actions")!.Element(Task + "Exec")!;
        var argv = SplitWindows(exec.Element(Task + "Arguments")!.Value).Prepend(exec.Element(Task + "Command")!.Value).ToList();
        Assert.Equal(p.Schedule.CommandArguments, argv);
        Assert.Contains("-ExecutionPolicy", argv);
        Assert.Equal(dir.Path, exec.Element(Task + "WorkingDirectory")!.Value);
        Assert.Equal(p.Schedule.Command, CommandQuoting.WindowsCommandLine(argv));
    }

    [Fact]
    public void Task_Scheduler_refuses_percent_signs_it_would_expand()
    {
        using var dir = new TempDirectory("sched");
        var e = Assert.Throws<Jamey3.Engine.Errors.JameyException>(() => new TaskSchedulerScheduler(Env(dir)).Preview(Def(dir, Every6)));
        Assert.Equal("InvalidScheduleDefinition", e.ErrorId);
        Assert.Contains("environment variable", e.Message);
    }

    [Fact]
    public void Task_triggers_for_every_6_hours_and_weekly()
    {
        using var dir = new TempDirectory("sched");
        var every6 = TaskXml(dir, Every6, out _).Root!.Element(Task + "Triggers")!.Elements().Single();
        Assert.Equal(Task + "CalendarTrigger", every6.Name);
        Assert.Equal("2001-01-01T00:00:00", every6.Element(Task + "StartBoundary")!.Value);
        Assert.Equal("PT6H", every6.Element(Task + "Repetition")!.Element(Task + "Interval")!.Value);
        Assert.Equal("PT18H", every6.Element(Task + "Repetition")!.Element(Task + "Duration")!.Value); // 00, 06, 12, 18 and not 24
        Assert.Equal("1", every6.Element(Task + "ScheduleByDay")!.Element(Task + "DaysInterval")!.Value);

        var weekly = TaskXml(dir, MonThu, out _).Root!.Element(Task + "Triggers")!.Elements().Single();
        Assert.Equal("2001-01-01T03:00:00", weekly.Element(Task + "StartBoundary")!.Value);
        Assert.Null(weekly.Element(Task + "Repetition"));
        var byWeek = weekly.Element(Task + "ScheduleByWeek")!;
        Assert.Equal("1", byWeek.Element(Task + "WeeksInterval")!.Value);
        Assert.Equal(["Monday", "Thursday"], byWeek.Element(Task + "DaysOfWeek")!.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void Task_triggers_for_cron_and_odd_intervals()
    {
        using var dir = new TempDirectory("sched");
        // 09:00, 12:00, 17:00 are not a series: three triggers
        var three = TaskXml(dir, ScheduleTrigger.Cron("0 9,12,17 * * *"), out _).Root!.Descendants(Task + "CalendarTrigger").ToList();
        Assert.Equal(["2001-01-01T09:00:00", "2001-01-01T12:00:00", "2001-01-01T17:00:00"], three.Select(t => t.Element(Task + "StartBoundary")!.Value));

        // minutes 5 and 15 of 08..18: one series per minute of the hour
        var two = TaskXml(dir, ScheduleTrigger.Cron("5,15 8-18 1,15 * *"), out _).Root!.Descendants(Task + "CalendarTrigger").ToList();
        Assert.Equal(2, two.Count);
        Assert.All(two, t => Assert.Equal("PT1H", t.Element(Task + "Repetition")!.Element(Task + "Interval")!.Value));
        Assert.Equal(["2001-01-01T08:05:00", "2001-01-01T08:15:00"], two.Select(t => t.Element(Task + "StartBoundary")!.Value));
        Assert.All(two, t => Assert.Equal("PT10H", t.Element(Task + "Repetition")!.Element(Task + "Duration")!.Value));
        var byMonth = two[0].Element(Task + "ScheduleByMonth")!;
        Assert.Equal(["1", "15"], byMonth.Element(Task + "DaysOfMonth")!.Elements().Select(e => e.Value));
        Assert.Equal(12, byMonth.Element(Task + "Months")!.Elements().Count());

        // every 5 hours: only Task Scheduler can, as an elapsed-time repetition
        var every5 = TaskXml(dir, ScheduleTrigger.EveryHours(5), out _).Root!.Element(Task + "Triggers")!.Elements().Single();
        Assert.Equal(Task + "TimeTrigger", every5.Name);
        Assert.Equal("2001-01-01T00:00:00Z", every5.Element(Task + "StartBoundary")!.Value);
        Assert.Equal("PT5H", every5.Element(Task + "Repetition")!.Element(Task + "Interval")!.Value);
        Assert.Null(every5.Element(Task + "Repetition")!.Element(Task + "Duration")); // forever

        var e = Assert.Throws<ScheduleTriggerException>(() => TaskXml(dir, ScheduleTrigger.Cron("0 3 * 6 1"), out _));
        Assert.Equal(JameyScheduler.TaskScheduler, e.Scheduler);
    }

    [Fact]
    public void Task_trigger_groups()
    {
        Assert.Equal([(0, 360, 4)], TaskSchedulerXml.Groups([0, 360, 720, 1080]));
        Assert.Equal([(5, 0, 1)], TaskSchedulerXml.Groups([5]));
        Assert.Equal([(0, 60, 24), (10, 60, 24)], TaskSchedulerXml.Groups(Enumerable.Range(0, 24).SelectMany(h => new[] { h * 60, h * 60 + 10 }).ToArray()));
        Assert.Null(TaskSchedulerXml.Groups(Enumerable.Range(0, 49).Select(i => i * i).ToArray()));
    }

    [Fact]
    public void Xmllint_accepts_the_task_xml_and_the_plist()
    {
        Assert.True(ExternalTool.Exists("xmllint"), "xmllint is needed for this test; build.ps1 -Task Setup installs it.");
        using var dir = new TempDirectory("sched");
        foreach (var t in new[] { Every6, MonThu })
        {
            var task = new TaskSchedulerScheduler(Env(dir, percent: false)).Preview(Def(dir, t)).Artifacts.Single(a => a.Kind == ScheduleArtifact.TaskXml);
            var path = dir.Combine("task.xml");
            File.WriteAllText(path, task.Content, new UnicodeEncoding(false, true)); // as schtasks gets it
            var r = ExternalTool.Run("xmllint", "--noout", path);
            Assert.True(r!.Value.ExitCode == 0, r.Value.Output);

            var plist = new LaunchdScheduler(Env(dir)).Preview(Def(dir, t)).Artifacts.Single(a => a.Kind == ScheduleArtifact.LaunchdPlist);
            File.WriteAllText(path, plist.Content, new UTF8Encoding(false));
            r = ExternalTool.Run("xmllint", "--noout", path);
            Assert.True(r!.Value.ExitCode == 0, r.Value.Output);
        }
    }

    // ---- launchd ---------------------------------------------------------------------------

    [Fact]
    public void Plist_has_the_doctype_and_the_right_keys()
    {
        using var dir = new TempDirectory("sched");
        var p = new LaunchdScheduler(Env(dir)).Preview(Def(dir, MonThu));
        var artifact = p.Artifacts.Single(a => a.Kind == ScheduleArtifact.LaunchdPlist);
        Assert.Equal(Path.Combine(Env(dir).HomeDirectory, "Library", "LaunchAgents", "com.jamey3.backup.nightly.plist"), artifact.Location);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", artifact.Content);

        var doc = XDocument.Parse(artifact.Content);
        Assert.Equal("plist", doc.DocumentType!.Name);
        Assert.Equal("-//Apple//DTD PLIST 1.0//EN", doc.DocumentType.PublicId);
        var dict = doc.Root!.Element("dict")!;
        var keys = dict.Elements("key").Select(k => k.Value).ToList();
        Assert.Equal(["Label", "ProgramArguments", "WorkingDirectory", "StartCalendarInterval", "StandardOutPath", "StandardErrorPath", "RunAtLoad", "ProcessType"], keys);
        XElement Value(string key) => (XElement)dict.Elements("key").Single(k => k.Value == key).NextNode!;

        Assert.Equal("com.jamey3.backup.nightly", Value("Label").Value);
        Assert.Equal(p.Schedule.CommandArguments, Value("ProgramArguments").Elements("string").Select(s => s.Value));
        Assert.Equal(p.Schedule.LogPath, Value("StandardErrorPath").Value);
        Assert.Equal("/dev/null", Value("StandardOutPath").Value);
        var calendar = Value("StartCalendarInterval").Elements("dict")
            .Select(d => string.Join(",", d.Elements("key").Select(k => $"{k.Value}={((XElement)k.NextNode!).Value}")))
            .ToList();
        Assert.Equal(["Weekday=1,Hour=3,Minute=0", "Weekday=4,Hour=3,Minute=0"], calendar);
    }

    [Fact]
    public void Plist_reads_back_with_a_real_plist_parser()
    {
        Assert.True(ExternalTool.Exists("python3"), "python3 is needed for this test; build.ps1 -Task Setup installs it.");
        using var dir = new TempDirectory("sched");
        var p = new LaunchdScheduler(Env(dir)).Preview(Def(dir, Every6));
        var path = dir.Combine("job.plist");
        File.WriteAllText(path, p.Artifacts.Single(a => a.Kind == ScheduleArtifact.LaunchdPlist).Content, new UTF8Encoding(false));
        var r = ExternalTool.Run("python3", "-c",
            "import json,plistlib,sys; d=plistlib.load(open(sys.argv[1],'rb')); print(json.dumps([d['Label'], d['ProgramArguments'], d['StartCalendarInterval'], d['RunAtLoad']]))",
            path);
        Assert.True(r!.Value.ExitCode == 0, r.Value.Output);
        var parsed = System.Text.Json.JsonDocument.Parse(r.Value.Output).RootElement;
        Assert.Equal("com.jamey3.backup.nightly", parsed[0].GetString());
        Assert.Equal(p.Schedule.CommandArguments, parsed[1].EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, 6, 12, 18], parsed[2].EnumerateArray().Select(e => e.GetProperty("Hour").GetInt32()));
        Assert.False(parsed[3].GetBoolean());
    }
}
