namespace Jamey3.Engine.Scheduling;

/// <summary>Reads and replaces a user's whole crontab.</summary>
public interface ICrontabStore
{
    /// <summary>The crontab text; empty when the user has none.</summary>
    string Read();
    void Write(string crontab);
    /// <summary>For people: "crontab of root".</summary>
    string Description { get; }
}

/// <summary>
/// The real crontab, through the crontab program: <c>crontab -l</c> to read (its "no crontab for
/// &lt;user&gt;" exit 1 is an empty crontab) and <c>crontab -</c> to install. The program path and
/// the user (<c>-u</c>, root only) are overridable.
/// </summary>
public sealed class CrontabCommandStore(IProcessRunner runner, string crontabProgram = "crontab", string? user = null) : ICrontabStore
{
    public string Program { get; } = crontabProgram;
    public string? User { get; } = user;
    public string Description => $"crontab of {User ?? Environment.UserName}";

    IReadOnlyList<string> Args(params string[] args) => User is null ? args : ["-u", User, .. args];

    public string Read()
    {
        var r = Invoke(Args("-l"));
        if (r.ExitCode == 0) return r.StandardOutput;
        if (r.ExitCode == 1 && r.StandardError.Contains("no crontab for", StringComparison.OrdinalIgnoreCase)) return "";
        throw ScheduleErrors.CommandFailed($"{Program} -l", r);
    }

    public void Write(string crontab)
    {
        var r = Invoke(Args("-"), crontab);
        if (r.ExitCode != 0) throw ScheduleErrors.CommandFailed($"{Program} -", r);
    }

    ProcessResult Invoke(IReadOnlyList<string> args, string? input = null)
    {
        try { return runner.Run(Program, args, input); }
        catch (FileNotFoundException e) { throw ScheduleErrors.Unavailable(JameyScheduler.Cron, $"'{Program}' is not installed or not on PATH.", e); }
    }
}

/// <summary>
/// Schedules as tagged lines in the user's crontab:
/// <code>
/// # jamey3:schedule=nightly
/// 30 2 * * * /usr/bin/pwsh -NoProfile -NonInteractive -File /home/me/.local/state/jamey3/schedules/nightly.ps1 &gt;/dev/null 2&gt;&gt;/home/me/.local/state/jamey3/logs/schedule-nightly.log
/// </code>
/// Only tagged lines are ever changed; the rest of the crontab is written back byte for byte.
/// Standard output (a copy of the log) is discarded; standard error (a pwsh that cannot start)
/// is appended to the log. The command runs under /bin/sh unless the crontab sets SHELL= to
/// something else above the entry, which Jamey3 does not support.
/// </summary>
public sealed class CronScheduler : SchedulerBase
{
    public CronScheduler(ScheduleEnvironment? environment = null, ICrontabStore? store = null) : base(environment)
    {
        Store = store ?? new CrontabCommandStore(Environment.Runner);
    }

    public ICrontabStore Store { get; }
    public override JameyScheduler Kind => JameyScheduler.Cron;

    internal static CrontabEntry Entry(ResolvedSchedule s)
    {
        // With a working directory the command is "cd … && …": the subshell sends both parts' output to the same place.
        var command = s.Definition.WorkingDirectory is null ? s.CommandLine : $"({s.CommandLine})";
        var shell = $"{command} >/dev/null 2>>{CommandQuoting.Posix(s.LogPath)}";
        return new CrontabEntry(s.Name, s.Definition.Trigger.ToCron(), CommandQuoting.Crontab(shell));
    }

    private protected override void CheckAvailable() { }

    private protected override IReadOnlyList<ScheduleArtifact> BuildArtifacts(ResolvedSchedule s) =>
        [new ScheduleArtifact(ScheduleArtifact.CrontabEntry, Store.Description, Entry(s).Text)];

    private protected override IReadOnlyList<string> InstalledNames() =>
        Crontab.Parse(Store.Read()).Select(e => e.Name).Distinct().ToList();

    private protected override void Install(ResolvedSchedule s, IReadOnlyList<ScheduleArtifact> artifacts) =>
        Store.Write(Crontab.AddOrReplace(Store.Read(), Entry(s)));

    private protected override void Uninstall(string name) => Store.Write(Crontab.Remove(Store.Read(), name));

    private protected override IReadOnlyList<string> Locations(string name) => [Store.Description];

    /// <summary>Like the base, but the installed line wins when someone edited it by hand.</summary>
    private protected override JameyBackupSchedule Describe(string name)
    {
        var info = base.Describe(name);
        var installed = Crontab.Parse(Store.Read()).First(e => e.Name == name);
        var script = RunScript.ReadDefinition(Environment.ScriptPath(name));
        string? expected = null;
        try { expected = script is { } d ? Entry(d.Definition.Resolve(Environment, Kind)).Line : null; }
        catch (Errors.JameyException) { }
        if (installed.Line == expected) return info;

        ScheduleTrigger? trigger = null;
        try { trigger = ScheduleTrigger.Cron(installed.Schedule); } catch (Errors.JameyException) { }
        return new JameyBackupSchedule
        {
            Name = name,
            Scheduler = Kind,
            Trigger = $"Cron {installed.Schedule} (edited outside Jamey3)",
            NextRuns = trigger?.GetNextRuns(Environment.Clock.GetUtcNow(), 5, Environment.TimeZone) ?? [],
            Command = installed.Command,
            LogPath = info.LogPath,
            ScriptPath = info.ScriptPath,
            DataPath = info.DataPath,
            BackupPath = info.BackupPath,
            CopyTo = info.CopyTo,
            ArtifactPaths = info.ArtifactPaths,
        };
    }
}
