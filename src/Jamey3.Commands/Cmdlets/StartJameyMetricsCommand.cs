using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Metrics;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsLifecycle.Start, "JameyMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JameyMetricsEndpoint))]
public sealed class StartJameyMetricsCommand : JameyCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = MetricsExporterOptions.DefaultPort;

    /// <summary>The address to listen on; 127.0.0.1 unless the operator chooses otherwise ('+' for every IPv4 interface).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ListenAddress { get; set; } = MetricsExporterOptions.DefaultHost;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void EndProcessing()
    {
        var repository = ResolveBackupPath(BackupPath);
        if (!ShouldProcess($"http://{ListenAddress}:{Port}/metrics for the repository '{repository}'", "Serve Prometheus metrics")) return;
        if (!Directory.Exists(repository))
            WriteWarning($"The repository '{repository}' does not exist yet: jamey_backup_up will be 0 until the first backup creates it.");

        JameyMetricsEndpoint endpoint;
        try
        {
            endpoint = MetricsExporterRegistry.Start(new MetricsExporterOptions(repository)
            {
                Settings = Settings, Host = ListenAddress, Port = Port,
            }).Endpoint!;
        }
        catch (Exception e)
        {
            ThrowEngineError(e, Port);
            return;
        }
        WriteObject(endpoint);
        if (!Wait) return;

        // Serve until Ctrl+C (StopProcessing), for use as a service; then stop the endpoint.
        WriteVerbose($"Serving {endpoint.Url} until stopped (Ctrl+C).");
        try { Stopping.WaitHandle.WaitOne(); }
        finally { MetricsExporterRegistry.Stop(endpoint.Port); }
    }
}
