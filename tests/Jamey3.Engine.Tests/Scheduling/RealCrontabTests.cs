using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>
/// The cron adapter against the real crontab program. As root it works on the crontab of the
/// 'nobody' user (so the machine's own crontab is never touched); otherwise on the caller's own.
/// Whatever crontab it uses is saved first and restored at the end, even when the test fails.
/// </summary>
public class RealCrontabTests
{
    const string UserLine = "17 4 * * * /bin/true --jamey3-test-user-line 'keep % me'";

    [Fact]
    public void Register_list_and_unregister_with_the_crontab_program()
    {
        Assert.True(ExternalTool.Exists("crontab"), "crontab is needed for this test; build.ps1 -Task Setup installs it.");
        using var dir = new TempDirectory("sched");
        var env = Sched.Env(dir.Path, SystemProcessRunner.Instance);
        var user = env.IsRoot || Environment.UserName == "root" ? "nobody" : null;
        var store = new CrontabCommandStore(SystemProcessRunner.Instance, "crontab", user);

        var saved = store.Read();
        try
        {
            var userCrontab = "# a user's own comment\n" + UserLine + "\n";
            store.Write(userCrontab);
            Assert.Equal(userCrontab, store.Read());

            var cron = new CronScheduler(env, store);
            var nightly = cron.Register(Sched.Definition(dir.Path, "nightly"));
            cron.Register(Sched.Definition(dir.Path, "weekly", ScheduleTrigger.Weekly([DayOfWeek.Monday, DayOfWeek.Thursday], "03:00")));

            var text = store.Read();
            Assert.StartsWith(userCrontab, text);
            Assert.Contains("# jamey3:schedule=nightly\n0 */6 * * * ", text);
            Assert.Contains("# jamey3:schedule=weekly\n0 3 * * 1,4 ", text);
            Assert.Equal(["nightly", "weekly"], cron.List().Select(s => s.Name));
            Assert.Equal(nightly.Command, cron.Get("nightly")!.Command);
            Assert.Equal($"crontab of {user ?? Environment.UserName}", cron.Get("nightly")!.ArtifactPaths[1]);

            // cron's own syntax check accepted the lines (crontab - refuses a bad line), and again after a replace
            cron.Register(Sched.Definition(dir.Path, "nightly", ScheduleTrigger.Cron("*/20 8-18 * * mon-fri")), force: true);
            Assert.Contains("# jamey3:schedule=nightly\n*/20 8-18 * * 1-5 ", store.Read());

            cron.Unregister("nightly");
            cron.Unregister("weekly");
            Assert.Equal(userCrontab, store.Read());
            Assert.Empty(cron.List());
        }
        finally
        {
            if (saved.Length > 0) store.Write(saved);
            else SystemProcessRunner.Instance.Run("crontab", user is null ? ["-r"] : ["-u", user, "-r"]);
        }
        Assert.Equal(saved, store.Read());
    }

    [Fact]
    public void A_crontab_line_cron_rejects_is_a_SchedulerCommandFailed_and_the_crontab_is_unchanged()
    {
        Assert.True(ExternalTool.Exists("crontab"), "crontab is needed for this test; build.ps1 -Task Setup installs it.");
        var store = new CrontabCommandStore(SystemProcessRunner.Instance, "crontab", Environment.UserName == "root" ? "nobody" : null);
        var saved = store.Read();
        try
        {
            var e = Assert.Throws<Jamey3.Engine.Errors.JameyException>(() => store.Write(saved + "61 * * * * /bin/true\n"));
            Assert.Equal("SchedulerCommandFailed", e.ErrorId);
            Assert.Equal(saved, store.Read());
        }
        finally
        {
            if (store.Read() != saved && saved.Length > 0) store.Write(saved);
        }
    }
}
