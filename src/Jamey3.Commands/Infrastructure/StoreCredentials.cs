using System.Management.Automation;
using System.Net;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// A -Credential for a repository location, as the store needs it: the one mapping every cmdlet uses. The password field
/// carries the secret; where a store takes several kinds, the user name can say which, or the secret's shape tells:
/// Azure: user <c>connectionstring</c> or a secret holding <c>AccountKey=</c>/<c>SharedAccessSignature=</c> (a connection
/// string), user <c>sas</c> or a secret starting <c>sv=</c>/<c>?sv=</c> (a SAS token), otherwise the account key;
/// S3: the access key id (the password is the secret access key);
/// SFTP: <c>keyfile:&lt;path&gt;</c> (the password is the key's passphrase, may be empty), anything else (a password).
/// </summary>
internal static class StoreCredentials
{
    public static StoreCredential? From(StoreLocation location, PSCredential? credential)
    {
        if (credential is null || credential == PSCredential.Empty) return null;
        var user = credential.UserName ?? "";
        var secret = new NetworkCredential("", credential.Password).Password;
        return location.Kind switch
        {
            StoreKind.Azure when user.Equals("connectionstring", StringComparison.OrdinalIgnoreCase)
                                 || secret.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase)
                                 || secret.Contains("SharedAccessSignature=", StringComparison.OrdinalIgnoreCase)
                => AzureStorageCredential.FromConnectionString(secret),
            StoreKind.Azure when user.Equals("sas", StringComparison.OrdinalIgnoreCase) || secret.TrimStart('?').StartsWith("sv=", StringComparison.Ordinal)
                => AzureStorageCredential.FromSasToken(secret),
            StoreKind.Azure => AzureStorageCredential.FromAccountKey(secret),
            StoreKind.S3 => new S3Credential(user, secret),
            StoreKind.Sftp when user.StartsWith("keyfile:", StringComparison.OrdinalIgnoreCase) =>
                SftpCredential.FromPrivateKeyFile(user["keyfile:".Length..], secret.Length == 0 ? null : secret),
            StoreKind.Sftp => SftpCredential.FromPassword(secret),
            _ => null,
        };
    }
}
