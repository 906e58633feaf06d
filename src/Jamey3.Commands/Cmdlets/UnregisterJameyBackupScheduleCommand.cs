using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Scheduling;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsLifecycle.Unregister, "JameyBackupSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(JameyBackupSchedule))]
public sealed class UnregisterJameyBackupScheduleCommand : JameyCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public JameyScheduler Scheduler { get; set; } = JameyScheduler.Auto;

    protected override void ProcessRecord()
    {
        IScheduler scheduler;
        try { scheduler = Schedulers.Create(Scheduler); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, Scheduler); return; }

        foreach (var name in Name)
        {
            JameyBackupSchedule? existing;
            try { existing = scheduler.Get(name); }
            catch (Exception e) when (e is not PipelineStoppedException) { WriteEngineError(e, name); continue; }
            if (existing is null)
            {
                WriteEngineError(ScheduleErrors.Missing(name, scheduler.Kind));
                continue;
            }
            var what = $"the backup schedule '{name}' ({existing.Trigger}) from {existing.Scheduler}: {string.Join(", ", existing.ArtifactPaths)}";
            if (!ShouldProcess(what, "Unregister")) continue;
            try { WriteObject(scheduler.Unregister(name)); }
            catch (Exception e) when (e is not PipelineStoppedException) { WriteEngineError(e, name); }
        }
    }
}
