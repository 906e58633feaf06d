using System.Management.Automation;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// What every Jamey3 cmdlet shares: settings from the environment, provider-aware paths,
/// cancellation on Ctrl+C, and engine work run on a worker thread while its progress,
/// warnings and output are written here, on the pipeline thread.
/// </summary>
public abstract class JameyCmdlet : PSCmdlet
{
    readonly CancellationTokenSource _stopping = new();
    JameySettings? _settings; // read once per command, at first use
    static int s_lastProgressId;
    // One progress bar per command instance, distinct from those of other commands in the pipeline.
    readonly int _progressId = Interlocked.Increment(ref s_lastProgressId);

    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Settings from the environment; a bad value stops the command with an error naming the variable.</summary>
    internal JameySettings Settings
    {
        get
        {
            if (_settings is not null) return _settings;
            try { return _settings = JameySettings.FromEnvironment(); }
            catch (ConfigurationException e) { ThrowTerminatingError(ErrorMapping.ToErrorRecord(e)); throw; }
        }
    }

    /// <summary>A path as the user means it: relative to the current PowerShell location, ~ expanded, any provider drive resolved.</summary>
    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    protected string ResolveBackupPath(string? parameter) => ResolvePath(string.IsNullOrEmpty(parameter) ? Settings.BackupDirectory : parameter);

    protected string ResolveDataPath(string? parameter) => ResolvePath(string.IsNullOrEmpty(parameter) ? Settings.DataDirectory : parameter);

    /// <summary>Every command checks the environment first, so a bad variable is reported whether or not this command reads it.</summary>
    protected override void BeginProcessing() => _ = Settings;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Runs engine work on a worker thread, writing its reports here as they come. Engine failures surface as the engine's exceptions.</summary>
    internal T RunEngine<T>(Func<QueuedObserver, CancellationToken, T> work, Action<object>? onOutput = null)
    {
        using var observer = new QueuedObserver();
        try
        {
            return observer.Run(o => work((QueuedObserver)o, Stopping), e => Dispatch(e, onOutput));
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    void Dispatch(OperationEvent e, Action<object>? onOutput)
    {
        if (e.Progress is { } p)
        {
            var record = new ProgressRecord(_progressId, p.Activity, string.IsNullOrEmpty(p.Status) ? p.Activity : p.Status)
            {
                PercentComplete = p.PercentComplete,
                CurrentOperation = p.BytesTotal > 0 ? $"{FormatBytes(p.BytesDone)} of {FormatBytes(p.BytesTotal)}" : null,
                RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            WriteProgress(record);
        }
        if (e.Warning is { } w) WriteWarning(w);
        if (e.Verbose is { } v) WriteVerbose(v);
        if (e.Output is { } o)
        {
            if (onOutput is not null) onOutput(o);
            else WriteObject(o);
        }
    }

    /// <summary>Writes a non-terminating error for one failed item; the pipeline goes on with the next.</summary>
    protected void WriteEngineError(Exception e, object? target = null) => WriteError(ErrorMapping.ToErrorRecord(e, target));

    protected void ThrowEngineError(Exception e, object? target = null) => ThrowTerminatingError(ErrorMapping.ToErrorRecord(e, target));

    internal static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : $"{value:0.0} {units[unit]}";
    }
}
