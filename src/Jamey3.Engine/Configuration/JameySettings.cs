using System.Globalization;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Configuration;

/// <summary>
/// Settings as the original Jamey 3.0 defined them in its environment. Parameters override them;
/// a value that does not parse is an error naming the variable, never a silent default.
/// </summary>
public sealed record JameySettings
{
    public const string EnabledVariable = "BACKUP_ENABLED";
    public const string BackupDirVariable = "BACKUP_DIR";
    public const string MaxBackupsVariable = "BACKUP_MAX_BACKUPS";
    public const string IntervalHoursVariable = "BACKUP_INTERVAL_HOURS";
    public const string RetentionDaysVariable = "BACKUP_RETENTION_DAYS";
    public const string CompressVariable = "BACKUP_COMPRESS";
    public const string DataDirVariable = "JAMEY_DATA_DIR";

    public bool Enabled { get; init; } = true;
    public string BackupDirectory { get; init; } = Path.Combine("data", "backups");
    public int MaxBackups { get; init; } = 10;
    public double IntervalHours { get; init; } = 24;
    public double RetentionDays { get; init; } = 30;
    public bool Compress { get; init; } = true;
    public string DataDirectory { get; init; } = "data";

    /// <summary>Reads the settings from environment variables; unset or empty variables keep their defaults.</summary>
    public static JameySettings FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var defaults = new JameySettings();
        return new JameySettings
        {
            Enabled = ReadBool(getVariable, EnabledVariable, defaults.Enabled),
            BackupDirectory = ReadString(getVariable, BackupDirVariable, defaults.BackupDirectory),
            MaxBackups = (int)ReadNumber(getVariable, MaxBackupsVariable, defaults.MaxBackups, 1, 100_000, integer: true),
            IntervalHours = ReadNumber(getVariable, IntervalHoursVariable, defaults.IntervalHours, 1.0 / 60, 24 * 366, integer: false,
                range: "a number of hours from one minute (1/60) to 366 days (8784)"),
            RetentionDays = ReadNumber(getVariable, RetentionDaysVariable, defaults.RetentionDays, 0, 36_600, integer: false),
            Compress = ReadBool(getVariable, CompressVariable, defaults.Compress),
            DataDirectory = ReadString(getVariable, DataDirVariable, defaults.DataDirectory),
        };
    }

    static string ReadString(Func<string, string?> get, string name, string fallback)
    {
        var raw = get(name);
        return string.IsNullOrWhiteSpace(raw) ? fallback : raw.Trim();
    }

    static bool ReadBool(Func<string, string?> get, string name, bool fallback)
    {
        var raw = get(name);
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        switch (raw.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on": return true;
            case "false" or "0" or "no" or "off": return false;
            default: throw new ConfigurationException(name, raw, "a boolean (true/false, 1/0, yes/no, on/off)");
        }
    }

    /// <param name="range">How to say the accepted range to a person, when its bounds are not plain numbers (1/60 hours).</param>
    static double ReadNumber(Func<string, string?> get, string name, double fallback, double min, double max, bool integer, string? range = null)
    {
        var raw = get(name);
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        var style = integer ? NumberStyles.Integer : NumberStyles.Float;
        if (!double.TryParse(raw.Trim(), style, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
            throw new ConfigurationException(name, raw, integer ? "a whole number" : "a number");
        if (value < min || value > max)
            throw new ConfigurationException(name, raw, range ?? $"between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }
}
