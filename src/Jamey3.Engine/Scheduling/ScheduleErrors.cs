using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// A trigger that is malformed, or that the chosen scheduler cannot express exactly. Nothing is
/// registered when this is thrown: the engine refuses rather than install a different schedule.
/// </summary>
public sealed class ScheduleTriggerException(string part, string message, JameyScheduler? scheduler = null)
    : JameyException(ErrorIdValue, JameyErrorKind.InvalidArgument, message, part)
{
    public const string ErrorIdValue = "InvalidScheduleTrigger";

    /// <summary>The bad part of the trigger: "Hours", "Time", "Days", "CronExpression", "Minute field", …</summary>
    public string Part { get; } = part;

    /// <summary>The scheduler that cannot express the trigger; null when the trigger is wrong for every scheduler.</summary>
    public JameyScheduler? Scheduler { get; } = scheduler;
}

/// <summary>The stable error ids of scheduling, and the exceptions that carry them.</summary>
public static class ScheduleErrors
{
    public const string InvalidName = "InvalidScheduleName";
    public const string InvalidDefinition = "InvalidScheduleDefinition";
    public const string Exists = "ScheduleExists";
    public const string NotFound = "ScheduleNotFound";
    public const string SchedulerUnavailable = "SchedulerUnavailable";
    public const string SchedulerCommandFailed = "SchedulerCommandFailed";

    internal static JameyException BadName(string? name) => new(InvalidName, JameyErrorKind.InvalidArgument,
        $"'{name}' is not a valid schedule name: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit.", name);

    internal static JameyException BadDefinition(string what, string message, object? target = null) =>
        new(InvalidDefinition, JameyErrorKind.InvalidArgument, $"{what}: {message}", target ?? what);

    internal static JameyException AlreadyExists(string name, string where,
        string remedy = "Use -Force to replace it, or choose another name.") => new(Exists, JameyErrorKind.InvalidArgument,
        $"A Jamey3 backup schedule named '{name}' already exists ({where}). {remedy}", name);

    internal static JameyException Missing(string name, JameyScheduler scheduler) => new(NotFound, JameyErrorKind.NotFound,
        $"No Jamey3 backup schedule named '{name}' is registered with {SchedulerNames.Display(scheduler)}.", name);

    internal static JameyException Unavailable(JameyScheduler scheduler, string reason, Exception? inner = null) =>
        new(SchedulerUnavailable, JameyErrorKind.ResourceUnavailable,
            $"{SchedulerNames.Display(scheduler)} cannot be used here: {reason}", scheduler.ToString(), inner);

    internal static JameyException CommandFailed(string commandLine, ProcessResult result) =>
        new(SchedulerCommandFailed, JameyErrorKind.WriteFailed,
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
