using System.Runtime.InteropServices;
using System.Security;
using Jamey3.Engine.Encryption;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// The key parameters of an encrypted remote repository (-IdentityFile, -Passphrase, -KeyFile, -Recipient,
/// -RecipientFile) as the engine's key material. Paths are resolved as the session means them; the passphrase leaves
/// its SecureString only for the engine call, never for a file, a message or the run history.
/// </summary>
internal static class EncryptionKeys
{
    public static RepositoryKeyMaterial? Material(JameyCmdlet cmdlet, string[]? identityFiles, SecureString? passphrase, string? keyFile,
        string[]? recipients = null, string[]? recipientFiles = null)
    {
        if (identityFiles is null && passphrase is null && keyFile is null && recipients is null && recipientFiles is null) return null;
        return new RepositoryKeyMaterial
        {
            IdentityFiles = identityFiles?.Select(cmdlet.ResolveProviderPath).ToList() ?? [],
            Passphrase = passphrase is null ? null : Plain(passphrase),
            KeyFile = keyFile is null ? null : cmdlet.ResolveProviderPath(keyFile),
            Recipients = recipients ?? [],
            RecipientFiles = recipientFiles?.Select(cmdlet.ResolveProviderPath).ToList() ?? [],
        };
    }

    static string Plain(SecureString secure)
    {
        var p = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try { return Marshal.PtrToStringUni(p) ?? ""; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(p); }
    }
}
