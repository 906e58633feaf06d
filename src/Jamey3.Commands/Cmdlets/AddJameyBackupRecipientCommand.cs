using System.Management.Automation;
using Jamey3.Commands.Infrastructure;

namespace Jamey3.Commands.Cmdlets;

/// <summary>Adds recipients to an encrypted repository (on a machine holding a private key or the passphrase).</summary>
[Cmdlet(VerbsCommon.Add, "JameyBackupRecipient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(JameyBackupRecipient))]
public sealed class AddJameyBackupRecipientCommand : JameyBackupRecipientCommand
{
    protected override bool Adding => true;
}
