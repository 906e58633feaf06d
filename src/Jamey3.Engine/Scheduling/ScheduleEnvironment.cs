using System.Runtime.InteropServices;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Where schedules keep their files and who they run as. Every scheduler takes one, so tests can
/// point the state directory, home directory, clock and process runner somewhere harmless.
/// </summary>
/// <remarks>
/// The state directory is per user: <c>%LOCALAPPDATA%\Jamey3</c> on Windows,
/// <c>~/Library/Application Support/Jamey3</c> on macOS, <c>$XDG_STATE_HOME/jamey3</c> (default
/// <c>~/.local/state/jamey3</c>) elsewhere. It holds <c>schedules/&lt;name&gt;.ps1</c> (the script each
/// run executes) and, by default, <c>logs/schedule-&lt;name&gt;.log</c>.
/// </remarks>
public sealed partial class ScheduleEnvironment
{
    public string StateDirectory { get; init; } = DefaultStateDirectory();
    public string HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    /// <summary>Unix: the effective user is root (systemd units then go to /etc/systemd/system).</summary>
    public bool IsRoot { get; init; } = !OperatingSystem.IsWindows() && GetEffectiveUserId() == 0;
    /// <summary>Unix: the real user id (launchctl's gui/&lt;uid&gt; domain).</summary>
    public uint UserId { get; init; } = OperatingSystem.IsWindows() ? 0 : GetUserId();
    public IProcessRunner Runner { get; init; } = SystemProcessRunner.Instance;
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;
    /// <summary>
    /// Refuse to register with a scheduler this machine does not run (Task Scheduler off Windows,
    /// launchd off macOS, systemd without systemd as init). Tests that fake <see cref="Runner"/> turn it off.
    /// </summary>
    public bool CheckPlatform { get; init; } = true;

    public static ScheduleEnvironment Current() => new();

    public string SchedulesDirectory => Path.Combine(StateDirectory, "schedules");
    public string LogsDirectory => Path.Combine(StateDirectory, "logs");

    /// <summary>The generated script a schedule runs: &lt;state&gt;/schedules/&lt;name&gt;.ps1.</summary>
    public string ScriptPath(string name) => Path.Combine(SchedulesDirectory, name + ".ps1");

    /// <summary>
    /// The default log: &lt;state&gt;/logs/schedule-&lt;name&gt;.log. Chosen over &lt;BackupPath&gt;/logs because
    /// the log must be writable exactly when the backup target is not (unmounted, full, read-only),
    /// and because the repository folder has a format of its own that stray files would muddle.
    /// </summary>
    public string DefaultLogPath(string name) => Path.Combine(LogsDirectory, $"schedule-{name}.log");

    public static string DefaultStateDirectory()
    {
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Jamey3");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
            return Path.Combine(home, "Library", "Application Support", "Jamey3");
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".local", "state");
        return Path.Combine(root, "jamey3");
    }

    static uint GetUserId() { try { return getuid(); } catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return uint.MaxValue; } }
    static uint GetEffectiveUserId() { try { return geteuid(); } catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return uint.MaxValue; } }

    [LibraryImport("libc")] private static partial uint getuid();
    [LibraryImport("libc")] private static partial uint geteuid();
}
