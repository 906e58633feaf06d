using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Encryption;

namespace Jamey3.Commands.Cmdlets;

/// <summary>Generates an age X25519 key pair into a new identity file (owner-only) and writes its public key.</summary>
[Cmdlet(VerbsCommon.New, "JameyBackupKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JameyBackupRecipient))]
public sealed class NewJameyBackupKeyCommand : JameyCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        var path = ResolvePath(Path);
        if (!ShouldProcess(path, "Create an age identity file (private key)")) return;
        try
        {
            var recipient = AgeKeyFile.GenerateIdentityFile(path);
            WriteObject(new JameyBackupRecipient { Recipient = recipient.ToString(), IdentityFile = path });
        }
        catch (Exception e) { ThrowEngineError(e, path); }
    }
}
