using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

public class CommandQuotingTests
{
    static readonly string[] Nasty =
    [
        "plain", "/usr/bin/dotnet", "with space", "it's", "dollar $HOME and `tick`", "percent 100%", "back\\slash",
        "\"double\"", "semi;colon & amp | pipe > gt", "*glob?", "", "tab\there", "ünïcødé", "‘curly’", "-dash",
    ];

    [Fact]
    public void Posix_quoting_round_trips_through_sh()
    {
        var line = "printf '[%s]\\n' " + CommandQuoting.PosixCommandLine(Nasty);
        var result = ExternalTool.Run("sh", "-c", line);
        Assert.NotNull(result);
        Assert.Equal(0, result.Value.ExitCode);
        Assert.Equal(string.Concat(Nasty.Select(a => $"[{a}]\n")), result.Value.Output);
    }

    [Fact]
    public void Posix_leaves_safe_words_bare()
    {
        Assert.Equal("/usr/bin/dotnet", CommandQuoting.Posix("/usr/bin/dotnet"));
        Assert.Equal("-NoProfile", CommandQuoting.Posix("-NoProfile"));
        Assert.Equal("'a b'", CommandQuoting.Posix("a b"));
        Assert.Equal(@"'it'\''s'", CommandQuoting.Posix("it's"));
        Assert.Equal("''", CommandQuoting.Posix(""));
    }

    [Fact]
    public void Crontab_escapes_percent_which_cron_would_turn_into_a_newline()
    {
        Assert.Equal(@"'/a/100\%/x' b", CommandQuoting.Crontab("'/a/100%/x' b"));
        var e = Assert.Throws<Jamey3.Engine.Errors.JameyException>(() => CommandQuoting.Crontab(@"'/a\%'"));
        Assert.Equal("InvalidScheduleDefinition", e.ErrorId);
    }

    /// <summary>What cron does to a command before sh sees it (vixie/cronie do_command): '\%' becomes '%', a bare '%' ends the command.</summary>
    internal static string CronUnescape(string command)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < command.Length; i++)
        {
            if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] == '%') { sb.Append('%'); i++; continue; }
            if (command[i] == '%') break;
            sb.Append(command[i]);
        }
        return sb.ToString();
    }

    [Fact]
    public void Crontab_lines_reach_sh_intact_after_cron_unescapes_them()
    {
        var args = new[] { "100% sure", "50%%", "%" };
        var line = "printf '[%s]\\n' " + CommandQuoting.PosixCommandLine(args);
        var cronLine = CommandQuoting.Crontab(line);
        var result = ExternalTool.Run("sh", "-c", CronUnescape(cronLine));
        Assert.Equal("[100% sure]\n[50%%]\n[%]\n", result!.Value.Output);
    }

    [Fact]
    public void Systemd_words_are_double_quoted_with_specifiers_and_variables_escaped()
    {
        Assert.Equal("\"/usr/bin/dotnet\"", CommandQuoting.Systemd("/usr/bin/dotnet"));
        Assert.Equal("\"a \\\"b\\\" c\\\\d 100%% $$HOME\"", CommandQuoting.Systemd("a \"b\" c\\d 100% $HOME"));
        Assert.Equal("/var/log/100%%", CommandQuoting.SystemdPathValue("/var/log/100%"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("C:\\Program Files\\PowerShell\\7\\pwsh.exe", "\"C:\\Program Files\\PowerShell\\7\\pwsh.exe\"")]
    [InlineData("", "\"\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("C:\\dir with space\\", "\"C:\\dir with space\\\\\"")]
    [InlineData("x\\\\\"y z", "\"x\\\\\\\\\\\"y z\"")]
    [InlineData("C:\\no\\space\\", "C:\\no\\space\\")]
    public void Windows_quoting_follows_the_CommandLineToArgvW_rules(string argument, string quoted)
    {
        Assert.Equal(quoted, CommandQuoting.Windows(argument));
    }

    [Fact]
    public void PowerShell_literals_double_every_kind_of_single_quote()
    {
        Assert.Equal("'/plain/path'", CommandQuoting.PowerShell("/plain/path"));
        Assert.Equal("'it''s'", CommandQuoting.PowerShell("it's"));
        Assert.Equal("'a‘‘b’’c‚‚d‛‛'", CommandQuoting.PowerShell("a‘b’c‚d‛"));
        Assert.Equal("'$HOME `n \"x\"'", CommandQuoting.PowerShell("$HOME `n \"x\""));
    }
}
