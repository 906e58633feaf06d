using System.Management.Automation;
using System.Security;

using Jamey3.Engine.Encryption;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Infrastructure;

/// <summary>Shared by Add- and Remove-JameyBackupRecipient: the repository, the key holder's key, and the change.</summary>
public abstract class JameyBackupRecipientCommand : JameyCmdlet
{
    [Parameter(Mandatory = true)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string BackupPath { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RecipientFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? IdentityFile { get; set; }

    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected abstract bool Adding { get; }

    protected override void ProcessRecord()
    {
        var location = RemoteSources.IsRemote(BackupPath) ? StoreLocation.Parse(BackupPath) : StoreLocation.Local(ResolvePath(BackupPath));
        List<X25519Recipient> change;
        try
        {
            change = (EncryptionKeys.Material(this, null, null, null, Recipient, RecipientFile) ?? new RepositoryKeyMaterial()).ReadRecipients();
            if (change.Count == 0)
                throw new AgeKeyException(Jamey3.Engine.Errors.JameyErrors.AgeNoRecipients, "Give the public keys with -Recipient or -RecipientFile.", null);
        }
        catch (Exception e) { ThrowEngineError(e, BackupPath); return; }
        var what = Adding ? "Add recipient" : "Remove recipient (objects written from now on are not encrypted to it)";
        if (!ShouldProcess($"{string.Join(", ", change)} of {location}", what)) return;
        var keys = EncryptionKeys.Material(this, IdentityFile, Passphrase, null) ?? new RepositoryKeyMaterial();
        try
        {
            var result = RunEngine((observer, ct) => RemoteBackupSource.Wait(Change(location, keys, change, observer, ct)));
            foreach (var r in result) WriteObject(r);
        }
        catch (Exception e) { ThrowEngineError(e, BackupPath); }
    }

    async Task<List<JameyBackupRecipient>> Change(StoreLocation location, RepositoryKeyMaterial keys, List<X25519Recipient> change,
        Jamey3.Engine.Progress.IOperationObserver observer, CancellationToken ct)
    {
        await using var store = ObjectStores.Open(location, RemoteSources.Options(location, Credential));
        var list = await RepositoryKeyring.ReadRecipientListAsync(store, ct).ConfigureAwait(false);
        var now = await RepositoryKeyring.ChangeRecipientsAsync(store, keys, Adding ? change : [], Adding ? [] : change, ct).ConfigureAwait(false);
        observer.Verbose($"'{location}' is now encrypted to {string.Join(", ", now)} for every object written from now on.");
        return now.Select(r => new JameyBackupRecipient
        {
            Recipient = r.ToString(),
            Kind = r.ToString() == list.PassphraseRecipient ? "Passphrase" : "X25519",
            RepositoryPath = location.ToString(),
        }).ToList();
    }
}
