using System.Globalization;
using System.Text;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// The five-field cron syntax every cron daemon understands (minute hour day-of-month month
/// day-of-week; numbers, '*', ranges a-b, steps */n and a-b/n, lists, three-letter names, and the
/// @hourly…@yearly macros). Cronos accepts more (seconds, '?', L, W, #): that is refused here, so an
/// expression that validates means the same thing in the crontab, in systemd, Task Scheduler and
/// launchd, and to Cronos when it computes the next runs.
/// </summary>
internal static class CronSyntax
{
    sealed record Field(string Name, int Min, int Max, string[]? Names = null, int NamesStartAt = 0);

    static readonly Field[] Fields =
    [
        new("minute", 0, 59),
        new("hour", 0, 23),
        new("day-of-month", 1, 31),
        new("month", 1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1),
        new("day-of-week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], 0),
    ];

    static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    /// <summary>Validates an expression; returns its normalized text (numbers only, single spaces) and its pattern.</summary>
    public static (string Normalized, CalendarPattern Pattern) Parse(string? expression)
    {
        var text = expression?.Trim() ?? "";
        if (text.Length == 0) throw Bad("CronExpression", "The cron expression is empty.");
        if (text.StartsWith('@'))
        {
            if (text.Equals("@reboot", StringComparison.OrdinalIgnoreCase))
                throw Bad("CronExpression", "The cron expression '@reboot' runs at start-up, not on a schedule; Jamey3 schedules need a time.");
            if (!Macros.TryGetValue(text, out var expanded))
                throw Bad("CronExpression", $"The cron expression '{text}' is not a known macro (use @hourly, @daily, @weekly, @monthly or @yearly).");
            text = expanded;
        }

        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
            throw Bad("CronExpression", $"The cron expression '{expression}' has {parts.Length} field(s); cron uses five: minute hour day-of-month month day-of-week (no seconds, no year).");

        var normalized = new string[5];
        var sets = new bool[5][];
        for (int i = 0; i < 5; i++)
            (normalized[i], sets[i]) = ParseField(Fields[i], parts[i], expression!);

        if (normalized[2] != "*" && normalized[4] != "*")
            throw Bad("Day fields",
                $"The cron expression '{expression}' restricts both the day of the month ('{parts[2]}') and the day of the week ('{parts[4]}'). " +
                "cron runs on days matching EITHER field, while systemd, Task Scheduler and the next-run calculation (Cronos) require BOTH, " +
                "so it would not mean the same thing everywhere. Use '*' in one of the two fields (or register two schedules).");

        // day-of-week 7 is Sunday, like 0
        var dow = sets[4];
        if (dow[7]) dow[0] = true;
        var pattern = new CalendarPattern(
            Members(sets[0], 0), Members(sets[1], 0),
            normalized[2] == "*" ? null : Members(sets[2], 1),
            normalized[3] == "*" ? null : Members(sets[3], 1),
            normalized[4] == "*" ? null : Members(dow[..7], 0));
        return (string.Join(' ', normalized), pattern);
    }

    static IEnumerable<int> Members(bool[] set, int min) =>
        Enumerable.Range(0, set.Length).Where(i => set[i]).Select(i => i + min);

    static (string Normalized, bool[] Set) ParseField(Field f, string raw, string expression)
    {
        var part = char.ToUpperInvariant(f.Name[0]) + f.Name[1..] + " field";
        var set = new bool[f.Max - f.Min + 1];
        var output = new StringBuilder();
        foreach (var item in raw.Split(','))
        {
            if (item.Length == 0) throw Bad(part, $"The {f.Name} field '{raw}' of '{expression}' has an empty list item.");
            foreach (var c in item)
            {
                if (c is '?') throw Bad(part, $"'?' in the {f.Name} field of '{expression}' is not cron syntax (it is Quartz's); use '*'.");
                if (c == '#' || (f.Names is null && char.ToUpperInvariant(c) is 'L' or 'W'))
                    throw Bad(part, $"'{c}' in the {f.Name} field of '{expression}' is not standard cron syntax; cron daemons do not understand it.");
                if (!(char.IsAsciiLetterOrDigit(c) || c is '*' or '-' or '/'))
                    throw Bad(part, $"The {f.Name} field '{raw}' of '{expression}' contains '{c}', which cron does not allow.");
            }

            var slash = item.Split('/');
            if (slash.Length > 2) throw Bad(part, $"The {f.Name} field item '{item}' of '{expression}' has more than one '/'.");
            int step = 1;
            if (slash.Length == 2)
            {
                if (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > f.Max - f.Min + 1)
                    throw Bad(part, $"The step '/{slash[1]}' in the {f.Name} field of '{expression}' must be a number from 1 to {f.Max - f.Min + 1}.");
            }

            int low, high;
            string body;
            if (slash[0] == "*")
            {
                (low, high) = (f.Min, f.Max == 7 ? 6 : f.Max);
                body = "*";
            }
            else
            {
                var dash = slash[0].Split('-');
                if (dash.Length > 2) throw Bad(part, $"The {f.Name} field item '{item}' of '{expression}' is not a value or a range a-b.");
                low = Value(f, dash[0], part, expression);
                high = dash.Length == 2 ? Value(f, dash[1], part, expression) : low;
                if (dash.Length == 1 && slash.Length == 2)
                    throw Bad(part, $"'{item}' in the {f.Name} field of '{expression}' is not portable cron syntax; write a range with the step, e.g. '{low}-{f.Max}/{step}'.");
                if (high < low)
                    throw Bad(part, $"The range '{slash[0]}' in the {f.Name} field of '{expression}' runs backwards.");
                body = dash.Length == 2 ? $"{low}-{high}" : $"{low}";
            }
            for (int v = low; v <= high; v += step) set[v - f.Min] = true;
            if (output.Length > 0) output.Append(',');
            output.Append(body);
            if (slash.Length == 2) output.Append('/').Append(step.ToString(CultureInfo.InvariantCulture));
        }
        return (output.ToString(), set);
    }

    static int Value(Field f, string token, string part, string expression)
    {
        if (token.Length > 0 && char.IsAsciiLetter(token[0]))
        {
            int index = f.Names is null ? -1 : Array.IndexOf(f.Names, token.ToLowerInvariant());
            if (index < 0)
                throw Bad(part, f.Names is null
                    ? $"'{token}' in the {f.Name} field of '{expression}' is not a number."
                    : $"'{token}' in the {f.Name} field of '{expression}' is not a {f.Name} name ({string.Join(", ", f.Names)}).");
            return index + f.NamesStartAt;
        }
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw Bad(part, $"'{token}' in the {f.Name} field of '{expression}' is not a number.");
        if (value < f.Min || value > f.Max)
            throw Bad(part, $"{char.ToUpperInvariant(f.Name[0])}{f.Name[1..]} {value} in '{expression}' is out of range: the {f.Name} field takes {f.Min}-{f.Max}.");
        return value;
    }

    static ScheduleTriggerException Bad(string part, string message) => new(part, message);
}
