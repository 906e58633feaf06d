using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.Get, "JameyBackupSchedule")]
[OutputType(typeof(JameyBackupSchedule))]
public sealed class GetJameyBackupScheduleCommand : JameyCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter]
    public JameyScheduler Scheduler { get; set; } = JameyScheduler.Auto;

    protected override void EndProcessing()
    {
        IScheduler scheduler;
        IReadOnlyList<JameyBackupSchedule> schedules;
        try { scheduler = Schedulers.Create(Scheduler); schedules = scheduler.List(); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, Scheduler); return; }

        var patterns = Name?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var s in schedules.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (patterns is null || patterns.Any(p => p.IsMatch(s.Name))) WriteObject(s);
        }
        foreach (var literal in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)) ?? [])
        {
            if (!schedules.Any(s => s.Name.Equals(literal, StringComparison.OrdinalIgnoreCase)))
                WriteEngineError(ScheduleErrors.Missing(literal, scheduler.Kind));
        }
    }
}
