using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Scheduling;

/// <summary>One operating-system scheduler, seen through the four things the cmdlets do with it.</summary>
public interface IScheduler
{
    JameyScheduler Kind { get; }

    /// <summary>
    /// Validates the definition and returns, without touching anything, the schedule as it would be
    /// listed and the exact text of every artifact Register would install (for -WhatIf).
    /// </summary>
    SchedulePreview Preview(ScheduleDefinition definition);

    /// <summary>
    /// Installs the schedule. An existing schedule of that name (or a script left by one) is an
    /// error (ScheduleExists) unless <paramref name="force"/>, which replaces it; a name registered
    /// with another scheduler is refused even with force. Nothing is left installed when it fails.
    /// </summary>
    JameyBackupSchedule Register(ScheduleDefinition definition, bool force = false);

    /// <summary>Jamey3's schedules in this scheduler (never anything else it holds).</summary>
    IReadOnlyList<JameyBackupSchedule> List();

    /// <summary>One schedule, or null.</summary>
    JameyBackupSchedule? Get(string name);

    /// <summary>Removes the schedule and its script (the log is kept); ScheduleNotFound when there is none.</summary>
    JameyBackupSchedule Unregister(string name);
}

/// <summary>
/// What every scheduler shares: validation, the script file, the exists/force rule, rollback,
/// and listing from the definitions the scripts carry. Subclasses only render and install their own artifacts.
/// </summary>
public abstract class SchedulerBase : IScheduler
{
    private protected SchedulerBase(ScheduleEnvironment? environment) => Environment = environment ?? ScheduleEnvironment.Current();

    public ScheduleEnvironment Environment { get; }
    public abstract JameyScheduler Kind { get; }

    /// <summary>The scheduler's own artifacts for a validated schedule (the script is added by the base).</summary>
    private protected abstract IReadOnlyList<ScheduleArtifact> BuildArtifacts(ResolvedSchedule schedule);

    /// <summary>The names of Jamey3's schedules installed in the scheduler.</summary>
    private protected abstract IReadOnlyList<string> InstalledNames();

    /// <summary>Installs (or replaces) the scheduler's artifacts; the script is already written.</summary>
    private protected abstract void Install(ResolvedSchedule schedule, IReadOnlyList<ScheduleArtifact> artifacts);

    /// <summary>Removes the scheduler's artifacts of that name.</summary>
    private protected abstract void Uninstall(string name);

    /// <summary>Where an installed schedule lives, for ArtifactPaths (besides the script).</summary>
    private protected abstract IReadOnlyList<string> Locations(string name);

    public SchedulePreview Preview(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var s = definition.Resolve(Environment, Kind);
        var artifacts = new List<ScheduleArtifact> { new(ScheduleArtifact.Script, s.ScriptPath, s.ScriptText) };
        artifacts.AddRange(BuildArtifacts(s));
        return new SchedulePreview(s.ToInfo(artifacts.Select(a => a.Location)), artifacts);
    }

    /// <summary>Throws SchedulerUnavailable when the scheduler cannot be used on this machine.</summary>
    private protected abstract void CheckAvailable();

    public JameyBackupSchedule Register(ScheduleDefinition definition, bool force = false)
    {
        var preview = Preview(definition);
        if (Environment.CheckPlatform) CheckAvailable();
        var s = definition.Resolve(Environment, Kind);
        // Names are unique per user across schedulers: the script file is shared. -Force replaces a
        // schedule within one scheduler; it never takes a name from another one, which would leave
        // that scheduler running the new script too.
        var owner = File.Exists(s.ScriptPath) ? RunScript.ReadDefinition(s.ScriptPath)?.Scheduler : null;
        if (owner is { } other && other != Kind)
            throw ScheduleErrors.AlreadyExists(s.Name, $"registered with {SchedulerNames.Display(other)}",
                $"Unregister it there first (or, if that schedule is gone, delete '{s.ScriptPath}'), or choose another name.");
        if (!force)
        {
            if (InstalledNames().Contains(s.Name))
                throw ScheduleErrors.AlreadyExists(s.Name, $"registered with {SchedulerNames.Display(Kind)}");
            if (File.Exists(s.ScriptPath))
                throw ScheduleErrors.AlreadyExists(s.Name, $"its script '{s.ScriptPath}' is still there");
        }

        byte[]? previousScript = File.Exists(s.ScriptPath) ? File.ReadAllBytes(s.ScriptPath) : null;
        // The folder must exist before the first run: sh (2>>log) and systemd (append:log) do not create it.
        if (Path.IsPathFullyQualified(s.LogPath)) Directory.CreateDirectory(Path.GetDirectoryName(s.LogPath)!);
        RunScript.Write(s);
        try
        {
            Install(s, preview.Artifacts.Where(a => a.Kind != ScheduleArtifact.Script).ToList());
        }
        catch
        {
            if (previousScript is null) File.Delete(s.ScriptPath);
            else IO.Durability.WriteFileAtomically(s.ScriptPath, previousScript);
            throw;
        }
        return preview.Schedule;
    }

    public IReadOnlyList<JameyBackupSchedule> List() => InstalledNames().Select(Describe).ToList();

    public JameyBackupSchedule? Get(string name)
    {
        ScheduleName.Validate(name);
        return InstalledNames().Contains(name) ? Describe(name) : null;
    }

    public JameyBackupSchedule Unregister(string name)
    {
        ScheduleName.Validate(name);
        if (Environment.CheckPlatform) CheckAvailable();
        var info = Get(name) ?? throw ScheduleErrors.Missing(name, Kind);
        Uninstall(name);
        var script = Environment.ScriptPath(name);
        var owner = RunScript.ReadDefinition(script)?.Scheduler;
        if (owner is null || owner == Kind) File.Delete(script);
        return info;
    }

    /// <summary>An installed schedule as a JameyBackupSchedule, from the definition its script carries.</summary>
    private protected virtual JameyBackupSchedule Describe(string name)
    {
        var script = Environment.ScriptPath(name);
        var paths = Locations(name).Prepend(script);
        if (RunScript.ReadDefinition(script) is { } recorded && recorded.Scheduler == Kind)
        {
            try { return recorded.Definition.Resolve(Environment, Kind).ToInfo(paths); }
            catch (JameyException) { /* a definition that no longer validates is described from the artifact */ }
        }
        return DescribeWithoutDefinition(name, paths);
    }

    /// <summary>What can be said about an installed schedule whose script is missing or not readable.</summary>
    private protected virtual JameyBackupSchedule DescribeWithoutDefinition(string name, IEnumerable<string> paths) => new()
    {
        Name = name,
        Scheduler = Kind,
        Trigger = "(unknown: the schedule's script is missing)",
        ArtifactPaths = paths.ToArray(),
    };

    /// <summary>Runs a scheduler command; a missing program is SchedulerUnavailable, a non-zero exit SchedulerCommandFailed.</summary>
    private protected ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null, bool check = true)
    {
        ProcessResult result;
        try { result = Environment.Runner.Run(program, arguments, input); }
        catch (FileNotFoundException e) { throw ScheduleErrors.Unavailable(Kind, $"'{program}' is not installed or not on PATH.", e); }
        if (check && result.ExitCode != 0)
            throw ScheduleErrors.CommandFailed(string.Join(' ', arguments.Prepend(program)), result);
        return result;
    }
}
