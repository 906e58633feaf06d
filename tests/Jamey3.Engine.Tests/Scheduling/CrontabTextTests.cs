using Jamey3.Engine.Errors;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class CrontabTextTests
{
    const string UserCrontab =
        "# m h  dom mon dow   command\n" +
        "SHELL=/bin/sh\n" +
        "MAILTO=me@example.org\n" +
        "\n" +
        "17 *\t* * *   cd / && run-parts --report /etc/cron.hourly   # trailing comment\n" +
        "@reboot /usr/local/bin/start-thing\n" +
        "# jamey3 is great, but this is not a tag: jamey3:schedule=nightly\n" +
        "0 5 * * 1 tar -zcf /var/backups/home.tgz /home/ 2>&1 | logger -t 'x%y'\n";

    static readonly CrontabEntry Nightly = new("nightly", "0 */6 * * *", "/usr/bin/pwsh -File /s/nightly.ps1 >/dev/null");
    static readonly CrontabEntry Weekly = new("weekly", "0 3 * * 1,4", "/usr/bin/pwsh -File /s/weekly.ps1 >/dev/null");

    [Fact]
    public void Adding_keeps_every_user_byte_and_appends_the_tagged_entry()
    {
        var result = Crontab.AddOrReplace(UserCrontab, Nightly);
        Assert.StartsWith(UserCrontab, result);
        Assert.Equal("# jamey3:schedule=nightly\n0 */6 * * * /usr/bin/pwsh -File /s/nightly.ps1 >/dev/null\n", result[UserCrontab.Length..]);
        Assert.Equal([Nightly], Crontab.Parse(result));
    }

    [Fact]
    public void A_user_crontab_without_a_final_newline_gets_one_before_the_entry()
    {
        var result = Crontab.AddOrReplace("0 1 * * * user-job", Nightly);
        Assert.Equal("0 1 * * * user-job\n" + Nightly.Text, result);
        Assert.Equal(Nightly.Text, Crontab.AddOrReplace("", Nightly));
    }

    [Fact]
    public void Replacing_changes_only_our_two_lines_in_place()
    {
        var withBoth = Crontab.AddOrReplace(Crontab.AddOrReplace(UserCrontab, Nightly), Weekly) + "# user line after ours\n";
        var changed = Nightly with { Schedule = "30 2 * * *" };
        var result = Crontab.AddOrReplace(withBoth, changed);

        Assert.Equal(withBoth.Replace("0 */6 * * * /usr/bin/pwsh", "30 2 * * * /usr/bin/pwsh"), result);
        Assert.Equal([changed, Weekly], Crontab.Parse(result));
        Assert.Equal(result, Crontab.AddOrReplace(result, changed)); // idempotent
    }

    [Fact]
    public void Removing_takes_out_only_our_entry()
    {
        var both = Crontab.AddOrReplace(Crontab.AddOrReplace(UserCrontab, Nightly), Weekly);
        var result = Crontab.Remove(both, "nightly");
        Assert.Equal(UserCrontab + Weekly.Text, result);
        Assert.Equal(UserCrontab, Crontab.Remove(result, "weekly"));
        Assert.Same(UserCrontab, Crontab.Remove(UserCrontab, "nightly")); // absent: untouched
    }

    [Fact]
    public void Two_schedules_coexist()
    {
        var both = Crontab.AddOrReplace(Crontab.AddOrReplace(UserCrontab, Nightly), Weekly);
        Assert.Equal(["nightly", "weekly"], Crontab.Parse(both).Select(e => e.Name));
        Assert.True(Crontab.Contains(both, "weekly"));
        Assert.False(Crontab.Contains(both, "monthly"));
    }

    [Fact]
    public void CRLF_user_lines_are_kept()
    {
        var crlf = "0 1 * * * a\r\n# note\r\n";
        var result = Crontab.AddOrReplace(crlf, Nightly);
        Assert.StartsWith(crlf, result);
        Assert.Equal(crlf, Crontab.Remove(result, "nightly"));
        var tagged = "# jamey3:schedule=nightly\r\n0 0 * * * old\r\n0 1 * * * a\r\n";
        Assert.Equal("0 1 * * * a\r\n", Crontab.Remove(tagged, "nightly"));
        Assert.Equal(Nightly.Text + "0 1 * * * a\r\n", Crontab.AddOrReplace(tagged, Nightly));
    }

    [Fact]
    public void A_tag_without_an_entry_below_is_not_an_entry_but_is_cleaned_up()
    {
        var orphan = "# jamey3:schedule=nightly\n# something else\n0 1 * * * a\n";
        Assert.Empty(Crontab.Parse(orphan));
        Assert.Equal("# something else\n0 1 * * * a\n", Crontab.Remove(orphan, "nightly"));
        Assert.Equal(Nightly.Text + "# something else\n0 1 * * * a\n", Crontab.AddOrReplace(orphan, Nightly));
    }

    [Fact]
    public void Only_exact_tags_count()
    {
        var lookalikes = "#jamey3:schedule=a\n0 0 * * * mine\n# jamey3:schedule=b extra\n0 0 * * * not-ours\n# jamey3:schedule=night.ly\n0 0 * * * x\n";
        Assert.Equal(["a"], Crontab.Parse(lookalikes).Select(e => e.Name)); // "#jamey3:" (no space) is still our tag
        Assert.Equal(lookalikes, Crontab.Remove(lookalikes, "b"));
    }

    [Fact]
    public void Entries_split_into_schedule_and_command()
    {
        var e = Crontab.Parse("# jamey3:schedule=x\n  0   */6 * *  *    cmd  'a b'  \n# jamey3:schedule=y\n@daily other\n").ToList();
        Assert.Equal(("0 */6 * * *", "cmd  'a b'"), (e[0].Schedule, e[0].Command));
        Assert.Equal(("@daily", "other"), (e[1].Schedule, e[1].Command));
    }

    [Fact]
    public void Multi_line_entries_are_refused()
    {
        var e = Assert.Throws<JameyException>(() => Crontab.AddOrReplace("", Nightly with { Command = "a\nb" }));
        Assert.Equal("InvalidScheduleDefinition", e.ErrorId);
        Assert.Throws<JameyException>(() => Crontab.AddOrReplace("", Nightly with { Name = "bad name" }));
    }
}
