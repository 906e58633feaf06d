using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Metrics;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsData.Export, "JameyMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportJameyMetricsCommand : JameyCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("TextFile")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    /// <summary>Write the metrics file's FileInfo; without it the command writes nothing, as Out-File does.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var repository = ResolveBackupPath(BackupPath);
        var target = ResolvePath(Path!);
        if (!ShouldProcess(target, $"Write the metrics of '{repository}' in textfile-collector format")) return;
        try
        {
            var collection = TextfileMetricsWriter.Write(repository, Settings, target, Stopping);
            if (!collection.RepositoryReadable)
                WriteWarning($"The repository '{repository}' could not be read ({collection.Error}); the file says jamey_backup_up 0.");
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, target);
            return;
        }
        WriteVerbose($"Wrote the metrics of '{repository}' to '{target}'.");
        if (PassThru) WriteObject(new FileInfo(target));
    }
}
