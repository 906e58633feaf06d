using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Metrics;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsLifecycle.Stop, "JameyMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "All")]
[OutputType(typeof(JameyMetricsEndpoint))]
public sealed class StopJameyMetricsCommand : JameyCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Port")]
    [ValidateRange(1, 65535)]
    public int[]? Port { get; set; }

    protected override void ProcessRecord()
    {
        var ports = Port ?? MetricsExporterRegistry.List().Select(e => e.Port).ToArray();
        foreach (var port in ports)
        {
            if (!ShouldProcess($"metrics endpoint on port {port}", "Stop")) continue;
            try { WriteObject(MetricsExporterRegistry.Stop(port)); }
            catch (Exception e) { WriteEngineError(e, port); }
        }
    }
}
