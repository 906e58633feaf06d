using System.Diagnostics;
using System.Text.Json;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>
/// Register-JameyBackupSchedule -CopyTo: the generated script copies to each destination after the backup and
/// retention, never holds a credential, and is run for real by pwsh (through the crontab line as cron runs it)
/// against a stand-in module that records its calls.
/// </summary>
public class CopyToScheduleTests
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
            if ($DataPath -like '*fail*') { throw "the data directory '$DataPath' is broken" }
            [pscustomobject]@{ BackupId = '20250310-120000-000'; Status = 'Complete' }
        }
        function Remove-JameyBackup {
            [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
            param([string] $BackupPath, [string] $DataPath, [switch] $Retention, [double] $RetentionDays, [int] $MaxBackups, [switch] $PassThru)
            Write-Call 'Remove-JameyBackup' $PSBoundParameters
        }
        function Copy-JameyBackup {
            [CmdletBinding(SupportsShouldProcess)]
            param([string] $BackupPath, [string] $Destination)
            Write-Call 'Copy-JameyBackup' $PSBoundParameters
            if ($Destination -like '*unreachable*') { Write-Error "cannot reach '$Destination'" -ErrorId 'ObjectStoreUnavailable' ; return }
            if ($PSCmdlet.ShouldProcess($Destination, 'Copy')) { [pscustomobject]@{ BackupId = '20250310-120000-000'; Destination = $Destination; BytesSent = 42 } }
        }
        """;

    static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "dotnet-tools.json"))) return d.FullName;
        return null;
    }

    static (int ExitCode, string Stderr) Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "pwsh did not finish");
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result);
    }

    [Fact]
    public void The_script_copies_to_each_destination_after_retention_and_the_header_keeps_them()
    {
        using var dir = new TempDirectory("sched-copy");
        var env = Sched.Env(dir.Path);
        var usb = dir.Combine("usb copy");
        var def = Sched.Definition(dir.Path) with { CopyTo = ["s3://jamey-offsite/host1/", usb, "azure://acct01/offsite/jamey"] };
        var preview = new CronScheduler(env, new MemoryCrontab()).Preview(def);
        Assert.Equal(["s3://jamey-offsite/host1", usb, "azure://acct01/offsite/jamey"], preview.Schedule.CopyTo); // normalized
        var script = preview.Artifacts.Single(a => a.Kind == ScheduleArtifact.Script).Content;
        int retention = script.IndexOf("Remove-JameyBackup", StringComparison.Ordinal);
        int copy = script.IndexOf("Copy-JameyBackup -BackupPath", StringComparison.Ordinal);
        Assert.True(retention > 0 && copy > retention, script);
        Assert.Contains($"foreach ($destination in @('s3://jamey-offsite/host1', '{usb}', 'azure://acct01/offsite/jamey'))", script);
        Assert.Contains($"Copy-JameyBackup -BackupPath '{def.BackupPath}' -Destination $destination", script);
        Assert.DoesNotContain("Credential", script);

        // Written and read back (Get-JameyBackupSchedule reads the header).
        var info = new CronScheduler(env, new MemoryCrontab()).Register(def);
        var read = RunScript.ReadDefinition(info.ScriptPath!)!.Value;
        Assert.Equal(preview.Schedule.CopyTo, read.Definition.CopyTo);

        // A schedule without copies has the same script as before: no copy step, no copyTo in its header.
        var plain = new CronScheduler(env, new MemoryCrontab()).Preview(Sched.Definition(dir.Path, "plain"));
        var plainScript = plain.Artifacts.Single(a => a.Kind == ScheduleArtifact.Script).Content;
        Assert.DoesNotContain("Copy-JameyBackup", plainScript);
        Assert.DoesNotContain("copyTo", plainScript);
    }

    [Theory]
    [InlineData("sftp://jamey:hunter2@backup.example/srv/jamey", "ObjectStoreLocationInvalid")]
    [InlineData("azure://acct01/offsite/jamey?sv=2024&sig=hunter2", "ObjectStoreLocationInvalid")]
    [InlineData("relative/folder", "InvalidScheduleDefinition")]
    [InlineData("s3://UPPER/bucket", "ObjectStoreLocationInvalid")]
    public void A_destination_with_a_secret_or_that_is_not_a_location_is_refused_and_the_secret_is_not_repeated(string destination, string errorId)
    {
        using var dir = new TempDirectory("sched-copy");
        var env = Sched.Env(dir.Path);
        var store = new MemoryCrontab();
        var e = Assert.ThrowsAny<JameyException>(() => new CronScheduler(env, store).Register(Sched.Definition(dir.Path) with { CopyTo = [destination] }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.DoesNotContain("hunter2", e.Target?.ToString() ?? "");
        Assert.Equal("", store.Text); // nothing registered
        Assert.False(Directory.Exists(env.SchedulesDirectory) && Directory.EnumerateFiles(env.SchedulesDirectory).Any());
    }

    [Fact]
    public void The_repository_itself_or_a_destination_twice_is_refused()
    {
        using var dir = new TempDirectory("sched-copy");
        var env = Sched.Env(dir.Path);
        var def = Sched.Definition(dir.Path);
        var e = Assert.ThrowsAny<JameyException>(() => new CronScheduler(env, new MemoryCrontab()).Preview(def with { CopyTo = [def.BackupPath + "/"] }));
        Assert.Equal(JameyErrors.InvalidScheduleDefinition.Id, e.ErrorId);
        e = Assert.ThrowsAny<JameyException>(() => new CronScheduler(env, new MemoryCrontab()).Preview(def with { CopyTo = ["s3://b1b/x", "s3://b1b/x/"] }));
        Assert.Equal(JameyErrors.InvalidScheduleDefinition.Id, e.ErrorId);
    }

    [UnixFact] // the crontab line is POSIX sh
    public void A_cron_run_backs_up_then_copies_to_every_destination_and_fails_when_one_copy_fails()
    {
        var repo = RepoRoot();
        var dotnet = SchedulerDetector.FindOnPath("dotnet");
        Assert.True(repo is not null && dotnet is not null, "needs the repository checkout and dotnet on PATH");
        using var dir = new TempDirectory("sched-copy");
        var module = dir.Combine("module");
        Directory.CreateDirectory(module);
        File.WriteAllText(Path.Combine(module, "Jamey3.psm1"), FakeModule);
        File.WriteAllText(Path.Combine(module, "Jamey3.psd1"),
            "@{ RootModule = 'Jamey3.psm1'; ModuleVersion = '0.1.0'; FunctionsToExport = @('New-JameyBackup', 'Remove-JameyBackup', 'Copy-JameyBackup') }");
        var env = Sched.Env(dir.Path);
        var store = new MemoryCrontab();
        var def = Sched.Definition(dir.Path) with
        {
            ModulePath = Path.Combine(module, "Jamey3.psd1"),
            PwshCommand = [dotnet, "pwsh"],
            WorkingDirectory = repo,
            CopyTo = ["s3://unreachable-bucket/jamey", dir.Combine("usb")],
        };
        var info = new CronScheduler(env, store).Register(def);
        var run = Sh(CommandQuotingTests.CronUnescape(Crontab.Parse(store.Text).Single().Command));
        var log = File.ReadAllText(info.LogPath!);
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Stderr}\n{log}");

        var calls = File.ReadAllLines(Path.Combine(module, "calls.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["New-JameyBackup", "Remove-JameyBackup", "Copy-JameyBackup", "Copy-JameyBackup"], calls.Select(c => c.GetProperty("cmd").GetString()));
        Assert.Equal(def.BackupPath, calls[2].GetProperty("BackupPath").GetString());
        Assert.Equal("s3://unreachable-bucket/jamey", calls[2].GetProperty("Destination").GetString());
        Assert.Equal(dir.Combine("usb"), calls[3].GetProperty("Destination").GetString()); // tried although the first failed
        Assert.Contains("Schedule 'nightly' failed: the copy to 's3://unreachable-bucket/jamey': cannot reach", log);
        Assert.Contains($"Copy to '{dir.Combine("usb")}' done.", log);
        Assert.DoesNotContain("Schedule 'nightly' succeeded.", log);

        // Every copy succeeds: exit 0. A failed backup: no copy at all.
        var good = def with { Name = "good", CopyTo = [dir.Combine("usb")] };
        var goodInfo = new CronScheduler(env, store).Register(good);
        Assert.Equal(0, Sh(CommandQuotingTests.CronUnescape(Crontab.Parse(store.Text).Single(e => e.Name == "good").Command)).ExitCode);
        Assert.Contains("Schedule 'good' succeeded.", File.ReadAllText(goodInfo.LogPath!));
        var failing = def with { Name = "broken", DataPath = dir.Combine("fail") };
        new CronScheduler(env, store).Register(failing);
        Assert.Equal(1, Sh(CommandQuotingTests.CronUnescape(Crontab.Parse(store.Text).Single(e => e.Name == "broken").Command)).ExitCode);
        var after = File.ReadAllLines(Path.Combine(module, "calls.jsonl"));
        Assert.Equal(4 + 3 + 1, after.Length); // the failed backup, and nothing after it
        Assert.Contains("New-JameyBackup", after[^1]);
    }
}
