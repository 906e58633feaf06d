using System.Management.Automation;
using System.Security;
using Jamey3.Engine.Encryption;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// A cmdlet whose -BackupPath may be a remote repository (azure://, s3://, sftp://) in every parameter set: the store's
/// credential and the key material of an encrypted repository, declared once for all of them.
/// </summary>
public abstract class RemoteRepositoryCmdlet : JameyCmdlet
{
    /// <summary>For a -BackupPath URL: the store's credential (<see cref="StoreCredentials"/>); without it, each SDK's usual places are used.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>For an encrypted remote repository: identity files (age-keygen's format) holding a recipient's private key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? IdentityFile { get; set; }

    /// <summary>For a passphrase-protected remote repository: its passphrase.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>For an encrypted remote repository, on the backup host: its repository key file (names and authenticates, decrypts nothing).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    /// <summary>What -IdentityFile, -Passphrase and -KeyFile give, for the engine; null when none was given.</summary>
    protected RepositoryKeyMaterial? EncryptionMaterial() => EncryptionKeys.Material(this, IdentityFile, Passphrase, KeyFile);
}
