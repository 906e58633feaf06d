using Jamey3.Engine.Configuration;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Tests.Configuration;

public class JameySettingsTests
{
    static JameySettings Read(params (string Name, string Value)[] vars) =>
        JameySettings.FromEnvironment(name => vars.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Defaults_are_those_of_the_original_system()
    {
        var s = Read();
        Assert.True(s.Enabled);
        Assert.Equal(Path.Combine("data", "backups"), s.BackupDirectory);
        Assert.Equal(10, s.MaxBackups);
        Assert.Equal(24, s.IntervalHours);
        Assert.Equal(30, s.RetentionDays);
        Assert.True(s.Compress);
        Assert.Equal("data", s.DataDirectory);
    }

    [Fact]
    public void Every_variable_is_read()
    {
        var s = Read(("BACKUP_ENABLED", "false"), ("BACKUP_DIR", "/b"), ("BACKUP_MAX_BACKUPS", "3"), ("BACKUP_INTERVAL_HOURS", "6"),
            ("BACKUP_RETENTION_DAYS", "7.5"), ("BACKUP_COMPRESS", "0"), ("JAMEY_DATA_DIR", "/d"));
        Assert.Equal((false, "/b", 3, 6.0, 7.5, false, "/d"),
            (s.Enabled, s.BackupDirectory, s.MaxBackups, s.IntervalHours, s.RetentionDays, s.Compress, s.DataDirectory));
    }

    [Theory]
    [InlineData("BACKUP_ENABLED", "maybe")]
    [InlineData("BACKUP_COMPRESS", "yes please")]
    [InlineData("BACKUP_MAX_BACKUPS", "ten")]
    [InlineData("BACKUP_MAX_BACKUPS", "2.5")]
    [InlineData("BACKUP_MAX_BACKUPS", "0")]
    [InlineData("BACKUP_INTERVAL_HOURS", "-1")]
    [InlineData("BACKUP_RETENTION_DAYS", "NaN")]
    [InlineData("BACKUP_RETENTION_DAYS", "30d")]
    public void An_unparsable_value_names_the_variable_and_the_value(string name, string value)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read((name, value)));
        Assert.Equal("InvalidConfigurationValue", e.ErrorId);
        Assert.Contains(name, e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Equal(name, e.Target);
    }
}
