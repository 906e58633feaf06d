using System.Management.Automation;
using System.Net;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// A -Credential for a repository location, as the store needs it. The password field carries the secret; the user
/// name says what it is where a store takes several kinds:
/// Azure: <c>connectionstring</c> (a connection string), <c>sas</c> (a SAS token), anything else (the account key);
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
            StoreKind.Azure when user.Equals("connectionstring", StringComparison.OrdinalIgnoreCase) => AzureStorageCredential.FromConnectionString(secret),
            StoreKind.Azure when user.Equals("sas", StringComparison.OrdinalIgnoreCase) => AzureStorageCredential.FromSasToken(secret),
            StoreKind.Azure => AzureStorageCredential.FromAccountKey(secret),
            StoreKind.S3 => new S3Credential(user, secret),
            StoreKind.Sftp when user.StartsWith("keyfile:", StringComparison.OrdinalIgnoreCase) =>
                SftpCredential.FromPrivateKeyFile(user["keyfile:".Length..], secret.Length == 0 ? null : secret),
            StoreKind.Sftp => SftpCredential.FromPassword(secret),
            _ => null,
        };
    }
}
