using System.Text.RegularExpressions;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Schedule names: 1–64 letters, digits, '-' or '_', starting with a letter or digit. They become
/// file names, unit names, task names and launchd labels, so nothing else is allowed.
/// </summary>
public static partial class ScheduleName
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\z")]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Throws InvalidScheduleName (InvalidArgument) for a bad name.</summary>
    public static void Validate(string? name)
    {
        if (!IsValid(name)) throw ScheduleErrors.BadName(name);
    }
}
