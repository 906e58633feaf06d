using System.Text;
using System.Text.RegularExpressions;

namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Turns one argument vector into the text each scheduler parses back into the same vector.
/// Every artifact is generated from <see cref="ScheduleDefinition"/>'s single argv, never from
/// another artifact's text, so a quoting rule of one format cannot leak into another.
/// </summary>
public static partial class CommandQuoting
{
    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex PosixSafe();

    /// <summary>One word for POSIX sh: bare when it only has safe characters, else single-quoted ('\'' for a quote).</summary>
    public static string Posix(string argument)
    {
        if (argument.Length > 0 && PosixSafe().IsMatch(argument)) return argument;
        return "'" + argument.Replace("'", @"'\''", StringComparison.Ordinal) + "'";
    }

    public static string PosixCommandLine(IEnumerable<string> argv) => string.Join(' ', argv.Select(Posix));

    /// <summary>
    /// A sh command line made safe for a crontab: cron turns an unescaped '%' into a newline (and
    /// the rest into standard input) whatever the shell quoting, so each '%' becomes '\%', which
    /// cron gives to sh as '%'. A backslash already before a '%' cannot be expressed and is refused.
    /// </summary>
    public static string Crontab(string shCommandLine)
    {
        if (shCommandLine.Contains(@"\%", StringComparison.Ordinal))
            throw ScheduleErrors.BadDefinition("Command", "a path containing a backslash followed by '%' cannot be written in a crontab line.", shCommandLine);
        return shCommandLine.Replace("%", @"\%", StringComparison.Ordinal);
    }

    /// <summary>
    /// One word of a systemd ExecStart= line: always double-quoted, with '\' and '"' escaped for
    /// systemd's C-style unquoting, '%' doubled (unit specifiers) and '$' doubled (environment expansion).
    /// </summary>
    public static string Systemd(string argument)
    {
        var sb = new StringBuilder(argument.Length + 2).Append('"');
        foreach (var c in argument)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '%': sb.Append("%%"); break;
                case '$': sb.Append("$$"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A systemd setting value that is a path (WorkingDirectory=, StandardError=append:…): only specifiers need escaping.</summary>
    public static string SystemdPathValue(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>
    /// One argument for a Windows command line, as CommandLineToArgvW and the .NET runtime (pwsh
    /// included) split it: quoted when empty or holding a space, tab or quote; backslashes before a
    /// quote (or before the closing quote) doubled, quotes escaped with a backslash.
    /// </summary>
    public static string Windows(string argument)
    {
        if (argument.Length > 0 && argument.IndexOfAny([' ', '\t', '"']) < 0) return argument;
        var sb = new StringBuilder("\"");
        int backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\') { backslashes++; continue; }
            if (c == '"') { sb.Append('\\', backslashes * 2 + 1).Append('"'); backslashes = 0; continue; }
            sb.Append('\\', backslashes).Append(c);
            backslashes = 0;
        }
        return sb.Append('\\', backslashes * 2).Append('"').ToString();
    }

    public static string WindowsCommandLine(IEnumerable<string> argv) => string.Join(' ', argv.Select(Windows));

    /// <summary>
    /// A PowerShell single-quoted string literal. PowerShell also ends single-quoted strings at the
    /// typographic quotes U+2018–U+201B, so those are doubled like the ASCII quote.
    /// </summary>
    public static string PowerShell(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            sb.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B') sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }
}
