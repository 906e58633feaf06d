using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsLifecycle.Register, "JameyBackupSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = EverySet)]
[OutputType(typeof(JameyBackupSchedule))]
public sealed class RegisterJameyBackupScheduleCommand : JameyCmdlet
{
    const string EverySet = "EveryHours";
    const string DailySet = "Daily";
    const string WeeklySet = "Weekly";
    const string CronSet = "Cron";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(ParameterSetName = EverySet)]
    [ValidateRange(0.0, 8784.0)]
    public double EveryHours { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DailySet)]
    [ValidateNotNullOrEmpty]
    public string? DailyAt { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = WeeklySet)]
    [AllowEmptyCollection]
    public DayOfWeek[]? WeeklyOn { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = WeeklySet)]
    [ValidateNotNullOrEmpty]
    public string? At { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = CronSet)]
    [ValidateNotNullOrEmpty]
    public string? CronExpression { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    [Parameter]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter]
    public SwitchParameter Verify { get; set; }

    [Parameter]
    [ValidateRange(0.0, 36600.0)]
    public double RetentionDays { get; set; }

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxBackups { get; set; }

    [Parameter]
    public SwitchParameter NoRetention { get; set; }

    /// <summary>Destinations (folders or azure://, s3://, sftp:// URLs) each run copies to with Copy-JameyBackup after the backup.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CopyTo { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricsTextFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>The pwsh each run starts. Default: the running pwsh, or an installed one when the running pwsh lives in a package cache.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PwshPath { get; set; }

    [Parameter]
    public JameyScheduler Scheduler { get; set; } = JameyScheduler.Auto;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        ScheduleDefinition definition;
        IScheduler scheduler;
        SchedulePreview preview;
        string[] pwsh;
        try { pwsh = ChoosePwsh(); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, PwshPath); return; }
        // Warned before the prompt, so -WhatIf shows it too.
        if (PwshLocation.CacheHolding(pwsh[^1]) is { } cache)
            WriteWarning($"The schedule '{Name}' would run pwsh from the package cache '{cache}' ('{pwsh[^1]}'). Clearing that cache " +
                "or updating the tool removes it, and every scheduled run then fails. Install PowerShell, or pass -PwshPath with a pwsh that stays where it is.");
        try
        {
            var bound = MyInvocation.BoundParameters;
            definition = new ScheduleDefinition
            {
                Name = Name,
                Trigger = BuildTrigger(bound),
                DataPath = ResolveDataPath(DataPath),
                BackupPath = ResolveBackupPath(BackupPath),
                ModulePath = ModuleManifestPath(),
                PwshCommand = pwsh,
                Verify = Verify,
                ApplyRetention = !NoRetention,
                // Filled in now: schedulers run with an almost empty environment, so BACKUP_* would not reach the run.
                RetentionDays = bound.ContainsKey(nameof(RetentionDays)) ? RetentionDays : Settings.RetentionDays,
                MaxBackups = bound.ContainsKey(nameof(MaxBackups)) ? MaxBackups : Settings.MaxBackups,
                MetricsTextFile = MetricsTextFile is null ? null : ResolvePath(MetricsTextFile),
                LogPath = LogPath is null ? null : ResolvePath(LogPath),
                // URLs as given (the engine parses and normalizes them); folders through the provider, like -BackupPath.
                CopyTo = (CopyTo ?? []).Select(d => Engine.Stores.StoreLocation.LooksLikeUrl(d) ? d : ResolvePath(d)).ToArray(),
            };
            scheduler = Schedulers.Create(Scheduler);
            preview = scheduler.Preview(definition);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, Name);
            return;
        }

        var artifacts = string.Join(Environment.NewLine, preview.Artifacts
            .Where(a => a.Kind != ScheduleArtifact.Script)
            .Select(a => $"--- {a.Kind}: {a.Location}{Environment.NewLine}{a.Content.TrimEnd()}"));
        var action = $"Register the backup schedule '{Name}' ({preview.Schedule.Trigger}) with {preview.Schedule.Scheduler}, installing:{Environment.NewLine}{artifacts}";
        if (!ShouldProcess(action, $"Register the backup schedule '{Name}' with {preview.Schedule.Scheduler}?", "Register-JameyBackupSchedule")) return;
        try
        {
            WriteObject(scheduler.Register(definition, Force));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, Name);
        }
    }

    ScheduleTrigger BuildTrigger(Dictionary<string, object> bound) => ParameterSetName switch
    {
        DailySet => ScheduleTrigger.Daily(DailyAt!),
        WeeklySet => ScheduleTrigger.Weekly(WeeklyOn!, At!),
        CronSet => ScheduleTrigger.Cron(CronExpression!),
        _ => bound.ContainsKey(nameof(EveryHours)) ? ScheduleTrigger.EveryHours(EveryHours) : ScheduleTrigger.FromSettings(Settings),
    };

    /// <summary>
    /// -PwshPath when given; else the running pwsh, unless it lives in a package cache (a dotnet tool) and an installed
    /// pwsh is on PATH: a schedule must name a pwsh that stays where it is (see <see cref="PwshLocation"/>).
    /// </summary>
    string[] ChoosePwsh()
    {
        if (PwshPath is not null)
        {
            var path = ResolvePath(PwshPath);
            if (!File.Exists(path))
                throw new JameyException(JameyErrors.PwshNotFound, $"-PwshPath '{path}' does not exist; give the path of a pwsh executable (or pwsh.dll).", path);
            return PwshLocation.Command(path, PwshHost.DotnetHost());
        }
        var running = PwshHost.Command();
        if (PwshLocation.CacheHolding(running[^1]) is null) return running;
        if (PwshLocation.FindInstalled() is { } installed)
        {
            WriteVerbose($"This pwsh runs from a package cache ('{running[^1]}'); the schedule runs the installed '{installed}' instead.");
            return [installed];
        }
        return running;
    }

    string ModuleManifestPath()
    {
        var module = MyInvocation.MyCommand.Module;
        var manifest = module is null ? null : Path.Combine(module.ModuleBase, "Jamey3.psd1");
        return manifest is not null && File.Exists(manifest)
            ? manifest
            : Path.Combine(Path.GetDirectoryName(typeof(RegisterJameyBackupScheduleCommand).Assembly.Location)!, "Jamey3.psd1");
    }
}
