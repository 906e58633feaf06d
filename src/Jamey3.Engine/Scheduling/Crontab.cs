using System.Text;
using System.Text.RegularExpressions;

namespace Jamey3.Engine.Scheduling;

/// <summary>One Jamey3 line in a crontab: the schedule fields and the command, under its tag line.</summary>
public sealed record CrontabEntry(string Name, string Schedule, string Command)
{
    /// <summary>The comment line directly above the entry that marks it as Jamey3's: "# jamey3:schedule=&lt;name&gt;".</summary>
    public string TagLine => Crontab.TagPrefix + Name;
    public string Line => $"{Schedule} {Command}";
    /// <summary>Both lines, each ending in a newline, as they appear in the crontab.</summary>
    public string Text => TagLine + "\n" + Line + "\n";
}

/// <summary>
/// Pure edits of crontab text. Jamey3 owns exactly the lines it tagged: a tag comment
/// "# jamey3:schedule=&lt;name&gt;" and the entry line directly below it. Every other byte (user
/// entries, comments, blank lines, variable assignments, CRLF endings, a missing final newline)
/// is kept as it was.
/// </summary>
public static partial class Crontab
{
    public const string TagPrefix = "# jamey3:schedule=";

    [GeneratedRegex(@"^#\s*jamey3:schedule=(?<name>[A-Za-z0-9][A-Za-z0-9_-]{0,63})[ \t]*\z")]
    private static partial Regex TagPattern();

    /// <summary>The Jamey3 entries, in file order. A tag without an entry line below it is skipped.</summary>
    public static IEnumerable<CrontabEntry> Parse(string crontab)
    {
        var lines = Split(crontab);
        for (int i = 0; i < lines.Count; i++)
        {
            if (TagName(lines[i].Text) is not { } name || !IsEntry(lines, i + 1)) continue;
            var (schedule, command) = SplitEntry(lines[i + 1].Text);
            yield return new CrontabEntry(name, schedule, command);
            i++;
        }
    }

    /// <summary>
    /// Puts <paramref name="entry"/> where the entry of the same name is (replacing it and any
    /// duplicates), or appends it at the end (after adding the missing final newline, if any).
    /// </summary>
    public static string AddOrReplace(string crontab, CrontabEntry entry)
    {
        ScheduleName.Validate(entry.Name);
        if ((entry.Schedule + entry.Command).Any(c => c is '\n' or '\r'))
            throw ScheduleErrors.BadDefinition("Crontab entry", "a crontab entry must be a single line.", entry.Name);

        var lines = Split(crontab);
        int at = lines.FindIndex(l => TagName(l.Text) == entry.Name);
        if (at < 0)
        {
            var sb = new StringBuilder(crontab);
            if (crontab.Length > 0 && !crontab.EndsWith('\n')) sb.Append('\n');
            return sb.Append(entry.Text).ToString();
        }
        var kept = RemoveLines(lines, entry.Name, out var removedBefore);
        var insertAt = at - removedBefore.Count(i => i < at);
        var result = new StringBuilder();
        for (int i = 0; i < kept.Count; i++)
        {
            if (i == insertAt) result.Append(entry.Text);
            result.Append(kept[i].Text).Append(kept[i].Ending);
        }
        if (insertAt >= kept.Count)
        {
            if (result.Length > 0 && result[^1] != '\n') result.Append('\n');
            result.Append(entry.Text);
        }
        return result.ToString();
    }

    /// <summary>Removes the entry (tag line and entry line) of that name; the text is returned unchanged when there is none.</summary>
    public static string Remove(string crontab, string name)
    {
        var lines = Split(crontab);
        var kept = RemoveLines(lines, name, out var removed);
        if (removed.Count == 0) return crontab;
        var sb = new StringBuilder();
        foreach (var l in kept) sb.Append(l.Text).Append(l.Ending);
        return sb.ToString();
    }

    public static bool Contains(string crontab, string name) => Parse(crontab).Any(e => e.Name == name);

    readonly record struct Line(string Text, string Ending);

    static List<Line> Split(string text)
    {
        var lines = new List<Line>();
        int start = 0;
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            if (nl < 0) { lines.Add(new Line(text[start..], "")); break; }
            int end = nl > start && text[nl - 1] == '\r' ? nl - 1 : nl;
            lines.Add(new Line(text[start..end], text[end..(nl + 1)]));
            start = nl + 1;
        }
        return lines;
    }

    static string? TagName(string line)
    {
        var m = TagPattern().Match(line);
        return m.Success ? m.Groups["name"].Value : null;
    }

    static bool IsEntry(List<Line> lines, int i) =>
        i < lines.Count && lines[i].Text.Trim() is { Length: > 0 } t && !t.StartsWith('#') && TagName(lines[i].Text) is null;

    static List<Line> RemoveLines(List<Line> lines, string name, out List<int> removed)
    {
        removed = [];
        for (int i = 0; i < lines.Count; i++)
        {
            if (TagName(lines[i].Text) != name) continue;
            removed.Add(i);
            if (IsEntry(lines, i + 1)) removed.Add(++i);
        }
        var set = removed.ToHashSet();
        return lines.Where((_, i) => !set.Contains(i)).ToList();
    }

    /// <summary>Splits an entry line into its schedule (five fields, or one @macro) and its command.</summary>
    internal static (string Schedule, string Command) SplitEntry(string line)
    {
        var text = line.TrimStart();
        int fields = text.StartsWith('@') ? 1 : 5;
        int pos = 0;
        for (int f = 0; f < fields; f++)
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
            while (pos < text.Length && !char.IsWhiteSpace(text[pos])) pos++;
        }
        return (string.Join(' ', text[..pos].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), text[pos..].Trim());
    }
}
