using System.Diagnostics;
using System.Text.Json;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>
/// The generated script, run for real by pwsh against a stand-in Jamey3 module that records how
/// it was called: once through the crontab line exactly as cron hands it to sh, once by pasting
/// the schedule's Command, which must give the same result.
/// </summary>
public class RunScriptTests
{
    const string FakeModule = """
        function Write-Call([string] $Name, $Bound) {
            $record = [ordered]@{ cmd = $Name }
            foreach ($k in $Bound.Keys) { $record[$k] = "$($Bound[$k])" }
            Add-Content -LiteralPath (Join-Path $PSScriptRoot 'calls.jsonl') -Value ($record | ConvertTo-Json -Compress)
        }
        function New-JameyBackup {
            [CmdletBinding()]
            param([string] $DataPath, [string] $BackupPath, [switch] $Verify)
            Write-Call 'New-JameyBackup' $PSBoundParameters
            Write-Verbose 'not shown: -Verbose is off'
            Write-Warning 'stand-in warning'
            if ($DataPath -like '*fail*') { throw "the data directory '$DataPath' is broken" }
            [pscustomobject]@{ BackupId = '20250310-120000-000'; Status = 'Complete' }
        }
        function Remove-JameyBackup {
            [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
            param([string] $BackupPath, [string] $DataPath, [switch] $Retention, [double] $RetentionDays, [int] $MaxBackups, [switch] $PassThru)
            Write-Call 'Remove-JameyBackup' $PSBoundParameters
            if ($PSCmdlet.ShouldProcess($BackupPath, 'Apply retention')) { Write-Information 'retention applied' }
        }
        function Export-JameyMetrics {
            [CmdletBinding()]
            param([string] $BackupPath, [string] $Path)
            Write-Call 'Export-JameyMetrics' $PSBoundParameters
        }
        """;

    static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "dotnet-tools.json"))) return d.FullName;
        return null;
    }

    static (int ExitCode, string Stdout, string Stderr) Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "pwsh did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [UnixFact] // the artifacts under test are POSIX sh lines
    public void The_cron_line_and_the_Command_by_hand_give_the_same_result()
    {
        var repo = RepoRoot();
        var dotnet = SchedulerDetector.FindOnPath("dotnet");
        Assert.True(repo is not null && dotnet is not null, "needs the repository checkout and dotnet on PATH");

        using var dir = new TempDirectory("sched");
        var awkward = dir.Combine("it's 100% $HOME `x`");
        var module = Path.Combine(awkward, "module");
        Directory.CreateDirectory(module);
        File.WriteAllText(Path.Combine(module, "Jamey3.psm1"), FakeModule);
        File.WriteAllText(Path.Combine(module, "Jamey3.psd1"), "@{ RootModule = 'Jamey3.psm1'; ModuleVersion = '0.1.0'; FunctionsToExport = @('New-JameyBackup', 'Remove-JameyBackup', 'Export-JameyMetrics') }");

        var env = Sched.Env(awkward);
        var def = Sched.Definition(awkward) with
        {
            ModulePath = Path.Combine(module, "Jamey3.psd1"),
            PwshCommand = [dotnet, "pwsh"],
            WorkingDirectory = repo, // a local dotnet tool is only found inside its repository
            Verify = true,
            MetricsTextFile = Path.Combine(awkward, "metrics 'x'.prom"),
            RetentionDays = 7.5,
            MaxBackups = 3,
        };
        var store = new MemoryCrontab();
        var info = new CronScheduler(env, store).Register(def);
        var entry = Crontab.Parse(store.Text).Single();

        // 1. as cron runs it: cron's '%' unescaping, then sh -c, from /
        var byCron = Sh(CommandQuotingTests.CronUnescape(entry.Command));
        Assert.True(byCron.ExitCode == 0, byCron.Stderr + File.ReadAllText(info.LogPath!));
        Assert.Equal("", byCron.Stdout); // discarded, the log has it
        var log1 = File.ReadAllText(info.LogPath!);

        // 2. by hand: the Command as shown
        var byHand = Sh(info.Command!);
        Assert.Equal(0, byHand.ExitCode);
        var log2 = File.ReadAllText(info.LogPath!);
        Assert.StartsWith(log1, log2); // appended
        var secondRun = log2[log1.Length..];
        Assert.Equal(Strip(log1), Strip(secondRun)); // same lines but for timestamps and the pid
        Assert.Equal(Strip(secondRun), Strip(byHand.Stdout)); // and shown to the person who ran it

        Assert.Contains("Schedule 'nightly' started", log1);
        Assert.Contains("WARNING: stand-in warning", log1);
        Assert.Contains("20250310-120000-000", log1);
        Assert.Contains("retention applied", log1);
        Assert.Contains("Schedule 'nightly' succeeded.", log1);
        Assert.DoesNotContain("not shown", log1);

        var calls = File.ReadAllLines(Path.Combine(module, "calls.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(6, calls.Count); // backup, retention, metrics; twice
        Assert.Equal(calls[0].ToString(), calls[3].ToString());
        Assert.Equal(calls[1].ToString(), calls[4].ToString());
        Assert.Equal(calls[2].ToString(), calls[5].ToString());
        Assert.Equal("New-JameyBackup", calls[0].GetProperty("cmd").GetString());
        Assert.Equal(def.DataPath, calls[0].GetProperty("DataPath").GetString());
        Assert.Equal(def.BackupPath, calls[0].GetProperty("BackupPath").GetString());
        Assert.Equal("True", calls[0].GetProperty("Verify").GetString());
        Assert.Equal("Remove-JameyBackup", calls[1].GetProperty("cmd").GetString());
        Assert.Equal(def.BackupPath, calls[1].GetProperty("BackupPath").GetString());
        Assert.Equal(def.DataPath, calls[1].GetProperty("DataPath").GetString());
        Assert.Equal("True", calls[1].GetProperty("Retention").GetString());
        Assert.Equal("7.5", calls[1].GetProperty("RetentionDays").GetString());
        Assert.Equal("3", calls[1].GetProperty("MaxBackups").GetString());
        Assert.Equal("False", calls[1].GetProperty("Confirm").GetString());
        Assert.Equal("Export-JameyMetrics", calls[2].GetProperty("cmd").GetString());
        Assert.Equal(def.MetricsTextFile, calls[2].GetProperty("Path").GetString());

        // 3. a failing backup: exit code 1, the error in the log, no retention
        var failing = def with { Name = "broken", DataPath = Path.Combine(awkward, "fail") };
        var broken = new CronScheduler(env, store).Register(failing);
        var failed = Sh(CommandQuotingTests.CronUnescape(Crontab.Parse(store.Text).Single(e => e.Name == "broken").Command));
        Assert.Equal(1, failed.ExitCode);
        var log = File.ReadAllText(broken.LogPath!);
        Assert.Contains("Schedule 'broken' failed: the data directory", log);
        Assert.DoesNotContain("succeeded", log);
        var afterFailure = File.ReadAllLines(Path.Combine(module, "calls.jsonl"));
        Assert.Equal(8, afterFailure.Length); // the backup, no retention, and the metrics still written
        Assert.Contains("Export-JameyMetrics", afterFailure[^1]);
    }

    static string Strip(string log) => string.Join('\n', log.Split('\n')
        .Select(l => l.Length > 30 && l[4] == '-' && l[10] == 'T' ? l[(l.IndexOf(' ') + 1)..] : l)
        .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\(process \d+\)", "(process N)")));
}
