using System.Collections.ObjectModel;
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

    internal string ResolveProviderPath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// -Path with wildcards: every file-system path each pattern matches. A pattern that matches nothing, or a literal
    /// path that does not exist, is a non-terminating PathNotFound error naming it, as Get-Item does.
    /// </summary>
    protected IEnumerable<string> ResolveWildcardPaths(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            Collection<string> resolved;
            ProviderInfo provider;
            try { resolved = GetResolvedProviderPathFromPSPath(pattern, out provider); }
            catch (ItemNotFoundException e)
            {
                WriteError(ErrorMapping.Create(JameyErrors.PathNotFound, e.Message, pattern));
                continue;
            }
            if (provider.Name != "FileSystem")
            {
                WriteError(ErrorMapping.Create(JameyErrors.NotAFileSystemPath,
                    $"'{pattern}' is a {provider.Name} path; give a folder on the file system.", pattern));
                continue;
            }
            if (resolved.Count == 0)
                WriteError(ErrorMapping.Create(JameyErrors.PathNotFound, $"No backup folder matches '{pattern}'.", pattern));
            foreach (var r in resolved) yield return r;
        }
    }

    /// <summary>The repository path as the user means it, refused at once when it cannot be a repository (see <see cref="CheckRepositoryPath"/>).</summary>
    protected string ResolveBackupPath(string? parameter)
    {
        var path = ResolvePath(string.IsNullOrEmpty(parameter) ? Settings.BackupDirectory : parameter);
        if (CheckRepositoryPath(path) is { } problem) ThrowTerminatingError(ErrorMapping.ToErrorRecord(problem));
        return path;
    }

    /// <summary>
    /// Room kept under the system's path limit for what Jamey3 writes inside a repository: the deepest is about
    /// staging/&lt;28-character id&gt;/files/memory/short_term/&lt;Lucene file&gt;, well under 200 characters.
    /// </summary>
    internal const int RepositoryPathReserve = 200;

    /// <summary>The longest path the file system takes: 4096 on Linux, 1024 on macOS, 32767 (long paths) on Windows.</summary>
    internal static int SystemPathLimit => OperatingSystem.IsWindows() ? 32767 : OperatingSystem.IsMacOS() ? 1024 : 4096;

    /// <summary>
    /// Why a path cannot be a repository, or null. Checked before anything is written, so a path that is a file, or so
    /// long that the files inside would pass the system's limit, is reported as a bad backup path and not, half-way
    /// through a backup, as some other failure (SQLite unable to open, "already exists").
    /// </summary>
    internal static JameyException? CheckRepositoryPath(string path)
    {
        int limit = SystemPathLimit - RepositoryPathReserve;
        if (path.Length > limit)
            return new JameyException(JameyErrors.InvalidBackupPath,
                $"The backup path is {path.Length:N0} characters long ('{path[..60]}...'); Jamey3 needs at most {limit:N0}, so that the files it writes inside stay under the system's {SystemPathLimit:N0}-character limit. Choose a shorter path.", path);
        var tooLong = path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).FirstOrDefault(n => n.Length > 255);
        if (tooLong is not null)
            return new JameyException(JameyErrors.InvalidBackupPath,
                $"The backup path '{path}' has a folder name of {tooLong.Length} characters; file systems take at most 255. Choose a shorter path.", path);
        if (File.Exists(path))
            return new JameyException(JameyErrors.InvalidBackupPath,
                $"The backup path '{path}' is a file, not a folder: a backup repository is a folder. Give a folder (it is created when missing), or move the file.", path);
        return null;
    }

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

    /// <summary>A duration for people: "350 ms", "4.2 s", "3 min 5 s", "2 h 10 min".</summary>
    internal static string FormatDuration(TimeSpan t) => Jamey3.Engine.Progress.HumanUnits.Duration(t);

    internal static string FormatBytes(long bytes) => Jamey3.Engine.Progress.HumanUnits.Bytes(bytes);
}
