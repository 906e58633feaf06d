using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// A trigger that is malformed, or that the chosen scheduler cannot express exactly. Nothing is
/// registered when this is thrown: the engine refuses rather than install a different schedule.
/// </summary>
public sealed class ScheduleTriggerException(string part, string message, JameyScheduler? scheduler = null)
    : JameyException(JameyErrors.InvalidScheduleTrigger, message, part)
{
    /// <summary>The bad part of the trigger: "Hours", "Time", "Days", "CronExpression", "Minute field", …</summary>
    public string Part { get; } = part;

    /// <summary>The scheduler that cannot express the trigger; null when the trigger is wrong for every scheduler.</summary>
    public JameyScheduler? Scheduler { get; } = scheduler;
}

/// <summary>The exceptions of scheduling; their ids are declared in <see cref="JameyErrors"/>.</summary>
public static class ScheduleErrors
{
    internal static JameyException BadName(string? name) => new(JameyErrors.InvalidScheduleName,
        $"'{name}' is not a valid schedule name: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit.", name);

    internal static JameyException BadDefinition(string what, string message, object? target = null) =>
        new(JameyErrors.InvalidScheduleDefinition, $"{what}: {message}", target ?? what);

    internal static JameyException AlreadyExists(string name, string where,
        string remedy = "Use -Force to replace it, or choose another name.") => new(JameyErrors.ScheduleExists,
        $"A Jamey3 backup schedule named '{name}' already exists ({where}). {remedy}", name);

    /// <summary>Public: the cmdlets report a name that matches nothing with the same error.</summary>
    public static JameyException Missing(string name, JameyScheduler scheduler) => new(JameyErrors.ScheduleNotFound,
        $"No Jamey3 backup schedule named '{name}' is registered with {SchedulerNames.Display(scheduler)}.", name);

    internal static JameyException Unavailable(JameyScheduler scheduler, string reason, Exception? inner = null) =>
        new(JameyErrors.SchedulerUnavailable,
            $"{SchedulerNames.Display(scheduler)} cannot be used here: {reason}", scheduler.ToString(), inner);

    internal static JameyException CommandFailed(string commandLine, ProcessResult result) =>
        new(JameyErrors.SchedulerCommandFailed,
            $"'{commandLine}' failed with exit code {result.ExitCode}: {FirstLine(result.StandardError, result.StandardOutput)}", commandLine);

    static string FirstLine(params string[] texts)
    {
        foreach (var t in texts)
        {
            var trimmed = t.Trim();
            if (trimmed.Length > 0) return trimmed.Split('\n')[0].Trim();
        }
        return "(no output)";
    }
}
