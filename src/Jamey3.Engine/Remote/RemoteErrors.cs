using Jamey3.Engine.Errors;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>A location holds no remote repository (no <c>config</c>) where one was expected.</summary>
public sealed class RemoteRepositoryNotFoundException(StoreLocation location)
    : JameyException(JameyErrors.RemoteRepositoryNotFound,
        $"'{location}' holds no Jamey3 remote repository (it has no '{RemoteLayout.ConfigKey}'). Copy a backup to it first (Copy-JameyBackup).", location.ToString());

/// <summary>The repository's <c>config</c> is unreadable, of an unknown format, or of another scheme than asked for.</summary>
public sealed class RemoteConfigException(JameyError error, StoreLocation location, string reason)
    : JameyException(error, $"The remote repository '{location}' cannot be used: {reason}", $"{location}/{RemoteLayout.ConfigKey}");

/// <summary>A remote manifest or index that fails validation; names the object and why (a replay, a bad hash, a bad path).</summary>
public sealed class RemoteManifestException(string source, string reason, Exception? inner = null)
    : JameyException(JameyErrors.InvalidManifest, $"The remote manifest '{source}' is not valid: {reason}", source, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>The destination already holds a different backup under the same id.</summary>
public sealed class RemoteBackupConflictException(StoreLocation location, string backupId)
    : JameyException(JameyErrors.RemoteBackupConflict,
        $"'{location}' already holds a different backup with the id '{backupId}' (its index differs); nothing was published. Remove it there first if it is not wanted.", backupId);

/// <summary>Another host's retention sweep did not finish within the wait.</summary>
public sealed class RemoteRepositoryBusyException(StoreLocation location, string record, TimeSpan waited)
    : JameyException(JameyErrors.RemoteRepositoryBusy,
        $"'{location}' is busy: a retention sweep ('{record}') has been deleting objects for {waited.TotalSeconds:0} s. Try again later.", location.ToString());

/// <summary>An object at the destination holds bytes that are not what its name says, and the copy could not settle it.</summary>
public sealed class RemoteObjectDamagedException(StoreLocation location, string key, string reason)
    : JameyException(JameyErrors.RemoteObjectDamaged, $"The object '{key}' in '{location}' is damaged: {reason}", $"{location}/{key}");
