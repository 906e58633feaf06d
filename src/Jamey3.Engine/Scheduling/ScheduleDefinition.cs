using System.Text.RegularExpressions;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Everything a scheduled backup needs. Paths must be absolute: the scheduler runs in another
/// process, another directory and often another environment than the caller.
/// </summary>
public sealed partial record ScheduleDefinition
{
    /// <summary>1–64 letters, digits, '-' or '_', starting with a letter or digit. Unique per user across schedulers.</summary>
    public required string Name { get; init; }
    public required ScheduleTrigger Trigger { get; init; }
    public required string DataPath { get; init; }
    public required string BackupPath { get; init; }
    /// <summary>The absolute path of the Jamey3 module manifest (Jamey3.psd1) each run imports.</summary>
    public required string ModulePath { get; init; }

    /// <summary>
    /// How to start PowerShell, as an argument vector: the absolute path of the running pwsh
    /// (["/opt/microsoft/powershell/7/pwsh"]), or a host and its arguments (["/usr/bin/dotnet", "pwsh"]
    /// for a local dotnet tool, which also needs <see cref="WorkingDirectory"/> inside the tool's repository).
    /// </summary>
    public required IReadOnlyList<string> PwshCommand { get; init; }

    /// <summary>Pass -Verify to New-JameyBackup.</summary>
    public bool Verify { get; init; }
    /// <summary>Run Remove-JameyBackup -Retention after a successful backup.</summary>
    public bool ApplyRetention { get; init; } = true;
    /// <summary>-RetentionDays for the retention step; null leaves it to BACKUP_RETENTION_DAYS in the scheduler's environment (which usually has none: pass the value).</summary>
    public double? RetentionDays { get; init; }
    /// <summary>-MaxBackups for the retention step; null leaves it to BACKUP_MAX_BACKUPS in the scheduler's environment.</summary>
    public int? MaxBackups { get; init; }
    /// <summary>
    /// Off-site destinations (absolute folders or azure://, s3://, sftp:// URLs) that each run copies the repository to
    /// with Copy-JameyBackup after the backup and retention succeeded. Locations only: a URL carrying a secret is
    /// refused, and the run takes credentials from where each SDK looks (its environment, its credential files).
    /// </summary>
    public IReadOnlyList<string> CopyTo { get; init; } = [];
    /// <summary>Passed to New-JameyBackup -MetricsTextFile (a node_exporter textfile-collector file).</summary>
    public string? MetricsTextFile { get; init; }
    /// <summary>The log each run appends to; null means <see cref="ScheduleEnvironment.DefaultLogPath"/>.</summary>
    public string? LogPath { get; init; }
    /// <summary>The directory the command starts in; null when it does not matter (a pwsh executable).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Task Scheduler's ExecutionTimeLimit and systemd's TimeoutStartSec (cron and launchd have no such limit).</summary>
    public TimeSpan ExecutionTimeLimit { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Checks every field and fixes the derived values (script, log, command) for one scheduler.</summary>
    internal ResolvedSchedule Resolve(ScheduleEnvironment env, JameyScheduler scheduler)
    {
        ScheduleName.Validate(Name);
        if (Trigger is null) throw ScheduleErrors.BadDefinition("Trigger", "a schedule needs a trigger.");
        CheckPath(DataPath, nameof(DataPath));
        CheckPath(BackupPath, nameof(BackupPath));
        CheckPath(ModulePath, nameof(ModulePath));
        if (MetricsTextFile is not null) CheckPath(MetricsTextFile, nameof(MetricsTextFile));
        if (LogPath is not null) CheckPath(LogPath, nameof(LogPath));
        if (WorkingDirectory is not null) CheckPath(WorkingDirectory, nameof(WorkingDirectory));
        if (PwshCommand is null || PwshCommand.Count == 0)
            throw ScheduleErrors.BadDefinition(nameof(PwshCommand), "give the absolute path of pwsh (or of dotnet, followed by 'pwsh').");
        CheckPath(PwshCommand[0], nameof(PwshCommand));
        foreach (var a in PwshCommand) CheckText(a, nameof(PwshCommand));
        if (RetentionDays is { } days && (double.IsNaN(days) || double.IsInfinity(days) || days < 0))
            throw ScheduleErrors.BadDefinition(nameof(RetentionDays), $"{days} is not a number of days (0 or more).", days);
        if (MaxBackups is < 1)
            throw ScheduleErrors.BadDefinition(nameof(MaxBackups), $"{MaxBackups} must be 1 or more.", MaxBackups);
        if (ExecutionTimeLimit < TimeSpan.FromMinutes(1))
            throw ScheduleErrors.BadDefinition(nameof(ExecutionTimeLimit), "must be at least one minute.", ExecutionTimeLimit);

        var copyTo = ResolveCopyTo();

        var script = env.ScriptPath(Name);
        CheckText(script, "StateDirectory");
        var log = LogPath ?? env.DefaultLogPath(Name);
        var argv = new List<string>(PwshCommand) { "-NoProfile", "-NonInteractive" };
        // Group policy may demand signed scripts; the file is ours and local, so the run bypasses it.
        if (scheduler == JameyScheduler.TaskScheduler) argv.AddRange(["-ExecutionPolicy", "Bypass"]);
        argv.AddRange(["-File", script]);

        if (scheduler == JameyScheduler.TaskScheduler)
            foreach (var a in argv.Append(WorkingDirectory ?? ""))
                if (a.Contains('%'))
                    throw ScheduleErrors.BadDefinition("Command", $"'{a}' contains '%', which Task Scheduler would expand as an environment variable.", a);

        return new ResolvedSchedule(this with { CopyTo = copyTo }, scheduler, script, log, argv, env);
    }

    /// <summary>Each destination checked and written as Copy-JameyBackup shows it (a URL normalized, never with a secret).</summary>
    List<string> ResolveCopyTo()
    {
        var result = new List<string>();
        foreach (var d in CopyTo ?? [])
        {
            CheckText(d, nameof(CopyTo));
            string normalized;
            if (Stores.StoreLocation.LooksLikeUrl(d))
            {
                // Refuses a password or a query string (a SAS token): a schedule file is no place for a secret.
                normalized = Stores.StoreLocation.Parse(d).ToString();
            }
            else
            {
                CheckPath(d, nameof(CopyTo));
                normalized = d;
            }
            if (SamePath(normalized, BackupPath))
                throw ScheduleErrors.BadDefinition(nameof(CopyTo), $"'{normalized}' is the repository itself; copy to another place.", normalized);
            if (result.Any(r => SamePath(r, normalized)))
                throw ScheduleErrors.BadDefinition(nameof(CopyTo), $"'{normalized}' is given twice.", normalized);
            result.Add(normalized);
        }
        return result;
    }

    static bool SamePath(string a, string b) =>
        string.Equals(a.TrimEnd('/', '\\'), b.TrimEnd('/', '\\'), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    static void CheckPath(string? path, string what)
    {
        CheckText(path, what);
        if (!IsAbsolute(path!))
            throw ScheduleErrors.BadDefinition(what, $"'{path}' is not an absolute path; the scheduler runs in another directory, so give the full path.", path);
    }

    static void CheckText(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text)) throw ScheduleErrors.BadDefinition(what, "must not be empty.");
        if (text.Any(char.IsControl))
            throw ScheduleErrors.BadDefinition(what, $"'{text.ReplaceLineEndings("\\n")}' contains a control character (a line break?), which no scheduler can carry.", text);
    }

    /// <summary>Absolute on this OS, or a Windows drive or UNC path (so Task Scheduler artifacts can be previewed anywhere).</summary>
    internal static bool IsAbsolute(string path) =>
        Path.IsPathFullyQualified(path) || WindowsAbsolute().IsMatch(path);

    [GeneratedRegex(@"^([A-Za-z]:[\\/]|\\\\[^\\/]+[\\/])")]
    private static partial Regex WindowsAbsolute();
}

/// <summary>A validated definition with its derived script path, log path and argument vector.</summary>
internal sealed record ResolvedSchedule(
    ScheduleDefinition Definition, JameyScheduler Scheduler, string ScriptPath, string LogPath,
    IReadOnlyList<string> Argv, ScheduleEnvironment Environment)
{
    public string Name => Definition.Name;

    /// <summary>The command for people to read and paste: POSIX sh (with a leading cd when there is a working directory), or the Windows command line.</summary>
    public string CommandLine => Scheduler == JameyScheduler.TaskScheduler
        ? CommandQuoting.WindowsCommandLine(Argv)
        : (Definition.WorkingDirectory is { } wd ? $"cd {CommandQuoting.Posix(wd)} && " : "") + CommandQuoting.PosixCommandLine(Argv);

    public string ScriptText => RunScript.Generate(this);

    public JameyBackupSchedule ToInfo(IEnumerable<string> artifactPaths) => new()
    {
        Name = Name,
        Scheduler = Scheduler,
        Trigger = Definition.Trigger.Description,
        NextRuns = Definition.Trigger.GetNextRuns(Environment.Clock.GetUtcNow(), 5, Environment.TimeZone),
        Command = CommandLine,
        CommandArguments = Argv.ToArray(),
        WorkingDirectory = Definition.WorkingDirectory,
        LogPath = LogPath,
        ScriptPath = ScriptPath,
        DataPath = Definition.DataPath,
        BackupPath = Definition.BackupPath,
        CopyTo = Definition.CopyTo.ToArray(),
        ArtifactPaths = artifactPaths.ToArray(),
    };
}
