using Jamey3.Engine.Backup;
using Jamey3.Engine.Restore;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>A private folder with a data directory and a repository; removed afterwards.</summary>
public abstract class RestoreTestBase : IDisposable
{
    readonly TempDirectory _root;

    protected RestoreTestBase() => _root = new TempDirectory(GetType().Name);

    protected string Root => _root.Path;
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
        _root.Dispose();
        GC.SuppressFinalize(this);
    }
}
