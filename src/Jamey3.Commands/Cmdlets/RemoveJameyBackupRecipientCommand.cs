using System.Management.Automation;
using Jamey3.Commands.Infrastructure;

namespace Jamey3.Commands.Cmdlets;

/// <summary>Removes recipients from an encrypted repository: objects written afterwards are not encrypted to them.</summary>
[Cmdlet(VerbsCommon.Remove, "JameyBackupRecipient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(JameyBackupRecipient))]
public sealed class RemoveJameyBackupRecipientCommand : JameyBackupRecipientCommand
{
    protected override bool Adding => false;
}
