namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Picks the scheduler this machine uses: Task Scheduler on Windows, launchd on macOS, systemd on
/// Linux when it is the running init system (/run/systemd/system exists), else cron when a
/// crontab program is on PATH. The probes are properties so tests can pose as any machine.
/// </summary>
public sealed class SchedulerDetector
{
    public Func<bool> IsWindows { get; init; } = OperatingSystem.IsWindows;
    public Func<bool> IsMacOS { get; init; } = OperatingSystem.IsMacOS;
    public Func<string, bool> DirectoryExists { get; init; } = Directory.Exists;
    public Func<string, string?> FindProgram { get; init; } = FindOnPath;

    public JameyScheduler Detect()
    {
        if (IsWindows()) return JameyScheduler.TaskScheduler;
        if (IsMacOS()) return JameyScheduler.Launchd;
        if (DirectoryExists(SystemdScheduler.RunningMarker)) return JameyScheduler.Systemd;
        if (FindProgram("crontab") is not null) return JameyScheduler.Cron;
        throw ScheduleErrors.Unavailable(JameyScheduler.Auto,
            "no scheduler was found: systemd is not running and there is no crontab program (install cron, e.g. the 'cron' or 'cronie' package).");
    }

    /// <summary>The requested scheduler, or the detected one for Auto.</summary>
    public JameyScheduler Resolve(JameyScheduler requested) => requested == JameyScheduler.Auto ? Detect() : requested;

    public static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>Creates the scheduler for a <see cref="JameyScheduler"/> (Auto: the detected one).</summary>
public static class Schedulers
{
    public static IScheduler Create(JameyScheduler kind = JameyScheduler.Auto, ScheduleEnvironment? environment = null, SchedulerDetector? detector = null) =>
        (detector ?? new SchedulerDetector()).Resolve(kind) switch
        {
            JameyScheduler.Cron => new CronScheduler(environment),
            JameyScheduler.Systemd => new SystemdScheduler(environment),
            JameyScheduler.TaskScheduler => new TaskSchedulerScheduler(environment),
            JameyScheduler.Launchd => new LaunchdScheduler(environment),
            var other => throw new ArgumentOutOfRangeException(nameof(kind), other, null),
        };
}
