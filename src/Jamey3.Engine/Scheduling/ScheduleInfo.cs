namespace Jamey3.Engine.Scheduling;

/// <summary>Which operating-system scheduler runs a schedule. Auto picks the one this machine uses.</summary>
public enum SchedulerKind
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
/// holds strings, numbers and dates (and <see cref="SchedulerKind"/>, defined beside it) so it can
/// move to the pipeline-types assembly without the engine.
/// </summary>
public sealed class ScheduleInfo
{
    public required string Name { get; init; }
    public required SchedulerKind Scheduler { get; init; }

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

    /// <summary>Where the schedule lives: files installed, or a description such as "crontab of root".</summary>
    public string[] ArtifactPaths { get; init; } = [];

    public override string ToString() => $"{Name} ({Scheduler}): {Trigger}";
}

/// <summary>One file or entry that registering a schedule installs, with its exact content.</summary>
public sealed record ScheduleArtifact(string Kind, string Location, string Content)
{
    public const string Script = "Script";
    public const string CrontabEntry = "CrontabEntry";
    public const string SystemdService = "SystemdService";
    public const string SystemdTimer = "SystemdTimer";
    public const string TaskXml = "TaskSchedulerXml";
    public const string LaunchdPlist = "LaunchdPlist";
}

/// <summary>What <see cref="IScheduler.Preview"/> returns: the schedule as it would be listed, and every artifact verbatim.</summary>
public sealed record SchedulePreview(ScheduleInfo Schedule, IReadOnlyList<ScheduleArtifact> Artifacts);

internal static class SchedulerNames
{
    public static string Display(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Cron => "cron",
        SchedulerKind.Systemd => "systemd",
        SchedulerKind.TaskScheduler => "the Windows Task Scheduler",
        SchedulerKind.Launchd => "launchd",
        _ => kind.ToString(),
    };
}
