using System.Management.Automation;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// -BackupPath given as a URL (azure://, s3://, sftp://): the remote repository to read. Credentials come from
/// -Credential or, without it, from where each SDK looks (environment variables, credential files, SSH keys); they are
/// handed to the store and never written or shown.
/// </summary>
internal static class RemoteSources
{
    public static bool IsRemote(string? backupPath) => backupPath is { Length: > 0 } && StoreLocation.LooksLikeUrl(backupPath);

    /// <summary>The store options for <paramref name="location"/> with <paramref name="credential"/> (<see cref="StoreCredentials"/>).</summary>
    public static ObjectStoreOptions Options(StoreLocation location, PSCredential? credential) =>
        new() { Credential = StoreCredentials.From(location, credential) };

    /// <summary>Opens the remote repository (reads its config); throws the engine's errors (not found, unreachable, of another scheme).</summary>
    public static RemoteBackupSource Open(string url, PSCredential? credential, CancellationToken ct, Jamey3.Engine.Encryption.RepositoryKeyMaterial? keys = null)
    {
        var location = StoreLocation.Parse(url);
        var options = Options(location, credential);
        // An encrypted repository: the key material is resolved against the destination when its codec is chosen.
        var material = keys is null ? null : new Jamey3.Engine.Encryption.AgeKeyMaterial(keys, options);
        return RemoteBackupSource.Wait(RemoteBackupSource.OpenAsync(location, options, material, ct));
    }
}
