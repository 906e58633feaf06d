using Jamey3.Engine.Errors;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class SchedulerTests
{
    const string UserLines = "MAILTO=\"\"\n0 4 * * * /usr/local/bin/user-job --flag\n";

    [Fact]
    public void Cron_register_list_and_unregister_with_a_user_crontab()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab(UserLines);
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        var def = Sched.Definition(dir.Path);

        var info = cron.Register(def);
        Assert.Equal("nightly", info.Name);
        Assert.Equal(JameyScheduler.Cron, info.Scheduler);
        Assert.Equal("Every 6 hours", info.Trigger);
        Assert.Equal(5, info.NextRuns.Length);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 18, 0, 0, TimeSpan.Zero), info.NextRuns[0]);
        Assert.StartsWith(UserLines, store.Text);
        Assert.True(File.Exists(info.ScriptPath));
        Assert.True(Directory.Exists(Path.GetDirectoryName(info.LogPath))); // created before the first run
        Assert.Equal(dir.Combine("state", "logs", "schedule-nightly.log"), info.LogPath);

        var entry = Crontab.Parse(store.Text).Single();
        Assert.Equal("0 */6 * * *", entry.Schedule);
        Assert.Equal($"{info.Command} >/dev/null 2>>{info.LogPath}", entry.Command);

        var listed = Assert.Single(cron.List());
        Assert.Equal(info.Command, listed.Command);
        Assert.Equal(info.Trigger, listed.Trigger);
        Assert.Equal(def.DataPath, listed.DataPath);
        Assert.Equal(def.BackupPath, listed.BackupPath);
        Assert.Equal(info.NextRuns, listed.NextRuns);
        Assert.Equal([info.ScriptPath!, "crontab of test"], listed.ArtifactPaths);

        var removed = cron.Unregister("nightly");
        Assert.Equal("nightly", removed.Name);
        Assert.Equal(UserLines, store.Text);
        Assert.False(File.Exists(info.ScriptPath));
        Assert.Empty(cron.List());
    }

    [Fact]
    public void An_existing_name_without_Force_fails_and_changes_nothing()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab(UserLines);
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        cron.Register(Sched.Definition(dir.Path));
        var before = store.Text;
        var script = File.ReadAllText(Sched.Env(dir.Path).ScriptPath("nightly"));

        var e = Assert.Throws<JameyException>(() => cron.Register(Sched.Definition(dir.Path, trigger: ScheduleTrigger.Daily(2, 30))));
        Assert.Equal("ScheduleExists", e.ErrorId);
        Assert.Contains("'nightly' already exists", e.Message);
        Assert.Contains("-Force", e.Message);
        Assert.Equal(before, store.Text);
        Assert.Equal(script, File.ReadAllText(Sched.Env(dir.Path).ScriptPath("nightly")));

        var replaced = cron.Register(Sched.Definition(dir.Path, trigger: ScheduleTrigger.Daily(2, 30)), force: true);
        Assert.Equal("Daily at 02:30", replaced.Trigger);
        Assert.Equal("30 2 * * *", Crontab.Parse(store.Text).Single().Schedule);
        Assert.StartsWith(UserLines, store.Text);
    }

    [Fact]
    public void Two_schedules_coexist_and_are_removed_independently()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab(UserLines);
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        cron.Register(Sched.Definition(dir.Path, "nightly"));
        cron.Register(Sched.Definition(dir.Path, "weekly", ScheduleTrigger.Weekly([DayOfWeek.Monday, DayOfWeek.Thursday], "03:00")));

        Assert.Equal(["nightly", "weekly"], cron.List().Select(s => s.Name));
        Assert.Equal("Weekly on Mon, Thu at 03:00", cron.Get("weekly")!.Trigger);

        cron.Unregister("nightly");
        Assert.Equal(["weekly"], cron.List().Select(s => s.Name));
        Assert.StartsWith(UserLines, store.Text);
        Assert.True(File.Exists(Sched.Env(dir.Path).ScriptPath("weekly")));
    }

    [Fact]
    public void A_bad_trigger_registers_nothing()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab(UserLines);
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        var e = Assert.Throws<ScheduleTriggerException>(() => cron.Register(Sched.Definition(dir.Path, trigger: ScheduleTrigger.EveryHours(5))));
        Assert.Equal(JameyScheduler.Cron, e.Scheduler);
        Assert.Equal(0, store.Writes);
        Assert.False(File.Exists(Sched.Env(dir.Path).ScriptPath("nightly")));
    }

    [Fact]
    public void Unregistering_an_unknown_name_is_ScheduleNotFound()
    {
        using var dir = new TempDirectory("sched");
        var cron = new CronScheduler(Sched.Env(dir.Path), new MemoryCrontab(UserLines));
        var e = Assert.Throws<JameyException>(() => cron.Unregister("nope"));
        Assert.Equal("ScheduleNotFound", e.ErrorId);
        Assert.Equal(JameyErrorKind.NotFound, e.Kind);
        Assert.Equal("InvalidScheduleName", Assert.Throws<JameyException>(() => cron.Unregister("../x")).ErrorId);
    }

    [Fact]
    public void A_hand_edited_cron_line_is_listed_as_installed()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab();
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        cron.Register(Sched.Definition(dir.Path));
        store.Text = store.Text.Replace("0 */6 * * *", "15 1 * * *");
        var info = cron.Get("nightly")!;
        Assert.Equal("Cron 15 1 * * * (edited outside Jamey3)", info.Trigger);
        Assert.Equal(new DateTimeOffset(2025, 3, 11, 1, 15, 0, TimeSpan.Zero), info.NextRuns[0]);
    }

    [Fact]
    public void A_schedule_whose_script_was_deleted_is_still_listed_and_removable()
    {
        using var dir = new TempDirectory("sched");
        var store = new MemoryCrontab();
        var cron = new CronScheduler(Sched.Env(dir.Path), store);
        var info = cron.Register(Sched.Definition(dir.Path));
        File.Delete(info.ScriptPath!);
        var listed = Assert.Single(cron.List());
        Assert.StartsWith("Cron 0 */6 * * *", listed.Trigger);
        cron.Unregister("nightly");
        Assert.Equal("", store.Text);
    }

    [Fact]
    public void A_name_taken_by_another_scheduler_is_refused_even_with_Force()
    {
        using var dir = new TempDirectory("sched");
        var env = Sched.Env(dir.Path);
        var crontab = new MemoryCrontab();
        new CronScheduler(env, crontab).Register(Sched.Definition(dir.Path));
        var script = File.ReadAllText(env.ScriptPath("nightly"));
        var systemd = new SystemdScheduler(env, dir.Combine("units"));
        foreach (var force in new[] { false, true })
        {
            var e = Assert.Throws<JameyException>(() => systemd.Register(Sched.Definition(dir.Path), force));
            Assert.Equal("ScheduleExists", e.ErrorId);
            Assert.Contains("registered with cron", e.Message);
            Assert.Contains("Unregister it there first", e.Message);
        }
        Assert.Equal(script, File.ReadAllText(env.ScriptPath("nightly"))); // cron still runs what it ran
        Assert.False(Directory.Exists(dir.Combine("units")));
    }

    [Fact]
    public void Systemd_registers_units_and_drives_systemctl()
    {
        using var dir = new TempDirectory("sched");
        var runner = new FakeRunner();
        var systemd = new SystemdScheduler(Sched.Env(dir.Path, runner), dir.Combine("units"));
        var info = systemd.Register(Sched.Definition(dir.Path));

        Assert.True(File.Exists(dir.Combine("units", "jamey3-backup-nightly.service")));
        Assert.True(File.Exists(dir.Combine("units", "jamey3-backup-nightly.timer")));
        Assert.Equal(
            ["systemctl --user daemon-reload", "systemctl --user enable jamey3-backup-nightly.timer", "systemctl --user restart jamey3-backup-nightly.timer"],
            runner.CommandLines);
        Assert.Equal(info.Command, Assert.Single(systemd.List()).Command);

        runner.Calls.Clear();
        systemd.Unregister("nightly");
        Assert.Equal(["systemctl --user disable --now jamey3-backup-nightly.timer", "systemctl --user daemon-reload"], runner.CommandLines);
        Assert.Empty(Directory.GetFiles(dir.Combine("units")));
        Assert.False(File.Exists(info.ScriptPath));
    }

    [Fact]
    public void Systemd_failure_rolls_everything_back()
    {
        using var dir = new TempDirectory("sched");
        var runner = new FakeRunner
        {
            Respond = (_, args) => args.Contains("enable") ? new ProcessResult(1, "", "Failed to connect to bus: No medium found\n") : new ProcessResult(0, "", ""),
        };
        var systemd = new SystemdScheduler(Sched.Env(dir.Path, runner), dir.Combine("units"));
        var e = Assert.Throws<JameyException>(() => systemd.Register(Sched.Definition(dir.Path)));
        Assert.Equal("SchedulerCommandFailed", e.ErrorId);
        Assert.Contains("Failed to connect to bus", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Combine("units")));
        Assert.False(File.Exists(Sched.Env(dir.Path).ScriptPath("nightly")));
        Assert.Equal("systemctl --user daemon-reload", runner.CommandLines.Last());
    }

    [Fact]
    public void Root_systemd_units_use_the_system_manager()
    {
        using var dir = new TempDirectory("sched");
        var env = new ScheduleEnvironment { StateDirectory = dir.Combine("s"), IsRoot = true, HomeDirectory = "/root" };
        Assert.Equal("/etc/systemd/system", new SystemdScheduler(env).UnitDirectory);
        var user = new ScheduleEnvironment { StateDirectory = dir.Combine("s"), IsRoot = false, HomeDirectory = "/home/u" };
        Assert.EndsWith("/systemd/user", new SystemdScheduler(user).UnitDirectory);
    }

    [Fact]
    public void Launchd_bootstraps_the_plist_in_the_gui_domain()
    {
        using var dir = new TempDirectory("sched");
        var runner = new FakeRunner();
        var launchd = new LaunchdScheduler(Sched.Env(dir.Path, runner));
        launchd.Register(Sched.Definition(dir.Path));
        var plist = dir.Combine("home", "Library", "LaunchAgents", "com.jamey3.backup.nightly.plist");
        Assert.True(File.Exists(plist));
        Assert.Equal(["launchctl bootout gui/501/com.jamey3.backup.nightly", $"launchctl bootstrap gui/501 {plist}"], runner.CommandLines);
        Assert.Equal(["nightly"], launchd.List().Select(s => s.Name));

        runner.Calls.Clear();
        launchd.Unregister("nightly");
        Assert.Equal(["launchctl bootout gui/501/com.jamey3.backup.nightly"], runner.CommandLines);
        Assert.False(File.Exists(plist));
    }

    [Fact]
    public void Task_Scheduler_creates_from_xml_and_lists_only_its_folder()
    {
        using var dir = new TempDirectory("sched");
        string? xmlSeen = null;
        var runner = new FakeRunner();
        runner.Respond = (_, args) =>
        {
            if (args[0] == "/Create") xmlSeen = File.ReadAllText(args[Array.IndexOf(args, "/XML") + 1]);
            if (args[0] == "/Query")
                return new ProcessResult(0, "\"\\Microsoft\\Windows\\Defrag\\ScheduledDefrag\",\"N/A\",\"Ready\"\r\n\"\\Jamey3\\nightly\",\"3/10/2025 6:00:00 PM\",\"Ready\"\r\n\"\\Jamey3\\sub\\other\",\"N/A\",\"Ready\"\r\n", "");
            return new ProcessResult(0, "", "");
        };
        var tasks = new TaskSchedulerScheduler(Sched.Env(dir.Path, runner));
        var def = Sched.Definition(dir.Path);
        var preview = tasks.Preview(def);

        tasks.Register(def, force: true);
        var create = runner.Calls.Single(c => c.Args[0] == "/Create").Args;
        Assert.Equal(["/Create", "/TN", @"\Jamey3\nightly", "/XML"], create[..4]);
        Assert.Equal("/F", create[^1]);
        Assert.False(File.Exists(create[4])); // the temporary XML is gone
        Assert.Equal(preview.Artifacts.Single(a => a.Kind == ScheduleArtifact.TaskXml).Content, xmlSeen);

        Assert.Equal(["nightly"], tasks.List().Select(s => s.Name));
        tasks.Unregister("nightly");
        Assert.Equal(["/Delete", "/TN", @"\Jamey3\nightly", "/F"], runner.Calls.Last().Args);
    }

    [Fact]
    public void A_missing_scheduler_program_is_SchedulerUnavailable()
    {
        using var dir = new TempDirectory("sched");
        var env = Sched.Env(dir.Path, SystemProcessRunner.Instance);
        var cron = new CronScheduler(env, new CrontabCommandStore(SystemProcessRunner.Instance, "/nonexistent/crontab"));
        var e = Assert.Throws<JameyException>(() => cron.Register(Sched.Definition(dir.Path)));
        Assert.Equal("SchedulerUnavailable", e.ErrorId);
        Assert.Equal(JameyErrorKind.ResourceUnavailable, e.Kind);
        Assert.False(File.Exists(env.ScriptPath("nightly")));
    }

    [UnixFact] // the Task Scheduler refusal is what is checked, so it cannot run on Windows
    public void Schedulers_refuse_a_platform_they_do_not_run_on()
    {
        using var dir = new TempDirectory("sched");
        var env = new ScheduleEnvironment { StateDirectory = dir.Combine("state"), HomeDirectory = dir.Combine("home"), Runner = new FakeRunner(), CheckPlatform = true };
        var e = Assert.Throws<JameyException>(() => new TaskSchedulerScheduler(env).Register(Sched.Definition(dir.Path)));
        Assert.Equal("SchedulerUnavailable", e.ErrorId);
        Assert.False(File.Exists(env.ScriptPath("nightly")));
        if (!OperatingSystem.IsMacOS())
            Assert.Equal("SchedulerUnavailable", Assert.Throws<JameyException>(() => new LaunchdScheduler(env).Register(Sched.Definition(dir.Path))).ErrorId);
    }

    [Fact]
    public void Definitions_with_relative_or_multi_line_paths_are_refused()
    {
        using var dir = new TempDirectory("sched");
        var cron = new CronScheduler(Sched.Env(dir.Path), new MemoryCrontab());
        foreach (var bad in new[]
                 {
                     Sched.Definition(dir.Path) with { DataPath = "data" },
                     Sched.Definition(dir.Path) with { BackupPath = "/b\nrm -rf /" },
                     Sched.Definition(dir.Path) with { PwshCommand = ["pwsh"] },
                     Sched.Definition(dir.Path) with { PwshCommand = [] },
                     Sched.Definition(dir.Path) with { MaxBackups = 0 },
                     Sched.Definition(dir.Path) with { RetentionDays = -1 },
                 })
        {
            var e = Assert.Throws<JameyException>(() => cron.Preview(bad));
            Assert.Equal("InvalidScheduleDefinition", e.ErrorId);
        }
    }

    [Fact]
    public void Detection_follows_the_platform_and_the_running_init()
    {
        Assert.Equal(JameyScheduler.TaskScheduler, new SchedulerDetector { IsWindows = () => true }.Detect());
        Assert.Equal(JameyScheduler.Launchd, new SchedulerDetector { IsWindows = () => false, IsMacOS = () => true }.Detect());
        var linux = new SchedulerDetector { IsWindows = () => false, IsMacOS = () => false, DirectoryExists = d => d == "/run/systemd/system" };
        Assert.Equal(JameyScheduler.Systemd, linux.Detect());
        var cronOnly = new SchedulerDetector
        {
            IsWindows = () => false, IsMacOS = () => false, DirectoryExists = _ => false, FindProgram = p => p == "crontab" ? "/usr/bin/crontab" : null,
        };
        Assert.Equal(JameyScheduler.Cron, cronOnly.Detect());
        var none = new SchedulerDetector { IsWindows = () => false, IsMacOS = () => false, DirectoryExists = _ => false, FindProgram = _ => null };
        Assert.Equal("SchedulerUnavailable", Assert.Throws<JameyException>(() => none.Detect()).ErrorId);
        Assert.Equal(JameyScheduler.Cron, none.Resolve(JameyScheduler.Cron)); // an explicit choice overrides detection
        Assert.IsType<LaunchdScheduler>(Schedulers.Create(JameyScheduler.Launchd));
    }
}
