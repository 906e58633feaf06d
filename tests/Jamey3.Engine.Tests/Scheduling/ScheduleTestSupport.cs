using Jamey3.Engine.Scheduling;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>A clock that always says the same time.</summary>
sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
}

/// <summary>Records every scheduler command and answers from a script of results.</summary>
sealed class FakeRunner : IProcessRunner
{
    public List<(string Program, string[] Args, string? Input)> Calls { get; } = [];
    public Func<string, string[], ProcessResult> Respond { get; set; } = (_, _) => new ProcessResult(0, "", "");

    public ProcessResult Run(string fileName, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        Calls.Add((fileName, arguments.ToArray(), standardInput));
        return Respond(fileName, arguments.ToArray());
    }

    public IEnumerable<string> CommandLines => Calls.Select(c => string.Join(' ', c.Args.Prepend(c.Program)));
}

/// <summary>A crontab kept in memory.</summary>
sealed class MemoryCrontab(string text = "") : ICrontabStore
{
    public string Text { get; set; } = text;
    public int Writes { get; private set; }
    public string Read() => Text;
    public void Write(string crontab) { Text = crontab; Writes++; }
    public string Description => "crontab of test";
}

static class Sched
{
    public static readonly DateTimeOffset Now = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero); // a Monday

    public static ScheduleEnvironment Env(string root, IProcessRunner? runner = null, TimeZoneInfo? zone = null) => new()
    {
        StateDirectory = System.IO.Path.Combine(root, "state"),
        HomeDirectory = System.IO.Path.Combine(root, "home"),
        IsRoot = false,
        UserId = 501,
        Runner = runner ?? new FakeRunner(),
        Clock = new FixedClock(Now),
        TimeZone = zone ?? TimeZoneInfo.Utc,
        CheckPlatform = false,
    };

    public static ScheduleDefinition Definition(string root, string name = "nightly", ScheduleTrigger? trigger = null) => new()
    {
        Name = name,
        Trigger = trigger ?? ScheduleTrigger.EveryHours(6),
        DataPath = System.IO.Path.Combine(root, "data"),
        BackupPath = System.IO.Path.Combine(root, "backups"),
        ModulePath = System.IO.Path.Combine(root, "module", "Jamey3.psd1"),
        PwshCommand = ["/usr/bin/dotnet", "pwsh"],
        RetentionDays = 30,
        MaxBackups = 10,
    };
}
