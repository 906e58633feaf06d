namespace Jamey3.Engine.Scheduling;

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
public sealed record SchedulePreview(JameyBackupSchedule Schedule, IReadOnlyList<ScheduleArtifact> Artifacts);

internal static class SchedulerNames
{
    public static string Display(JameyScheduler kind) => kind switch
    {
        JameyScheduler.Cron => "cron",
        JameyScheduler.Systemd => "systemd",
        JameyScheduler.TaskScheduler => "the Windows Task Scheduler",
        JameyScheduler.Launchd => "launchd",
        _ => kind.ToString(),
    };
}
