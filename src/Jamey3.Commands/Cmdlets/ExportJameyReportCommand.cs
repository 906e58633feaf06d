using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Reports;

namespace Jamey3.Commands.Cmdlets;

/// <summary>Writes a self-contained HTML page of a repository's health (engine: <see cref="HealthReport"/>).</summary>
[Cmdlet(VerbsData.Export, "JameyReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportJameyReportCommand : JameyCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("RepositoryPath")]
    public string? BackupPath { get; set; }

    /// <summary>Write the file's object; without it the command writes nothing, as Export-JameyMetrics does.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var repository = ResolveBackupPath(BackupPath);
        var target = ResolvePath(Path!);
        if (!ShouldProcess(target, $"Write the HTML health report of '{repository}'")) return;
        try
        {
            HealthReport.Write(repository, target, Stopping);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, repository);
            return;
        }
        if (PassThru) WriteObject(new FileInfo(target));
    }
}
