using Jamey3.Engine.Backup;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Restore;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>A private folder with a data directory and a repository; removed afterwards.</summary>
public abstract class RestoreTestBase : IDisposable
{
    protected RestoreTestBase()
    {
        Root = Path.Combine(Path.GetTempPath(), "jamey3-tests", GetType().Name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
    }

    protected string Root { get; }
    protected string Data => Path.Combine(Root, "data");
    protected string Repo => Path.Combine(Root, "repo");

    protected JameyBackup Backup(string? dataPath = null, CompressionAlgorithm compression = CompressionAlgorithm.Zstd) =>
        new BackupEngine().Run(new BackupRequest(dataPath ?? Data, Repo) { Compression = compression });

    protected RestoreRequest Request(string backupId, params JameyComponentSelector[] components) =>
        new(Repo, backupId, Data) { Components = components.Length == 0 ? null : components };

    protected string[] OperationFolders(string? target = null)
    {
        var work = RestoreEngine.WorkRoot(target ?? Data);
        return Directory.Exists(work) ? Directory.GetDirectories(work) : [];
    }

    public virtual void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        GC.SuppressFinalize(this);
    }

    /// <summary>Collects what an engine reports.</summary>
    protected sealed class RecordingObserver : IOperationObserver
    {
        public List<JameyProgress> Progresses { get; } = [];
        public List<string> Warnings { get; } = [];
        public List<string> Verboses { get; } = [];
        public Action<JameyProgress>? OnProgress { get; init; }
        public void Progress(JameyProgress progress) { lock (Progresses) Progresses.Add(progress); OnProgress?.Invoke(progress); }
        public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
        public void Verbose(string message) { lock (Verboses) Verboses.Add(message); }
    }
}
