namespace Jamey3;

/// <summary>Which operating-system scheduler runs a schedule. Auto picks the one this machine uses.</summary>
public enum JameyScheduler
{
    Auto,
    /// <summary>A tagged line in the user's crontab (Linux and other Unix without systemd).</summary>
    Cron,
    /// <summary>A oneshot service and a timer (Linux with systemd as PID 1).</summary>
    Systemd,
    /// <summary>A task in the \Jamey3\ folder of the Windows Task Scheduler.</summary>
    TaskScheduler,
    /// <summary>A launch agent in ~/Library/LaunchAgents (macOS).</summary>
    Launchd,
}

/// <summary>
/// One registered (or previewed) backup schedule, as a plain object for the pipeline. It only
/// holds strings, numbers and dates (and <see cref="JameyScheduler"/>, defined beside it) so it lives
/// in the pipeline-types assembly.
/// </summary>
public sealed class JameyBackupSchedule
{
    public required string Name { get; init; }
    public required JameyScheduler Scheduler { get; init; }

    /// <summary>For people: "Every 6 hours", "Daily at 02:30", "Weekly on Mon, Thu at 03:00", "Cron 0 */6 * * *".</summary>
    public required string Trigger { get; init; }

    /// <summary>The next (up to) five runs in the local time zone; empty when they cannot be known.</summary>
    public DateTimeOffset[] NextRuns { get; init; } = [];

    /// <summary>
    /// The exact command the scheduler runs, quoted for the platform's shell (POSIX sh, or the Windows
    /// command line for Task Scheduler). Pasting it into a terminal runs the same backup, with the same log.
    /// </summary>
    public string? Command { get; init; }

    /// <summary>The same command as an argument vector (program first), without quoting.</summary>
    public string[] CommandArguments { get; init; } = [];

    /// <summary>The directory the command runs in; null when it does not matter.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The file every run appends to.</summary>
    public string? LogPath { get; init; }

    /// <summary>The generated PowerShell script each run executes.</summary>
    public string? ScriptPath { get; init; }

    public string? DataPath { get; init; }
    public string? BackupPath { get; init; }

    /// <summary>The destinations each run copies to after the backup (Copy-JameyBackup); empty when none.</summary>
    public string[] CopyTo { get; init; } = [];

    /// <summary>Where the schedule lives: files installed, or a description such as "crontab of root".</summary>
    public string[] ArtifactPaths { get; init; } = [];

    public override string ToString() => $"{Name} ({Scheduler}): {Trigger}";
}
