namespace Jamey3;

/// <summary>A public key (age X25519 recipient) that an encrypted repository's objects are encrypted to, or a new key pair's public half.</summary>
public sealed class JameyBackupRecipient
{
    /// <summary>The public key, age1….</summary>
    public string Recipient { get; set; } = "";
    /// <summary>X25519 (a key holder's public key) or Passphrase (the repository identity unlocked by the passphrase).</summary>
    public string Kind { get; set; } = "X25519";
    /// <summary>The repository whose recipient it is (no credential in it), or null for a newly generated key.</summary>
    public string? RepositoryPath { get; set; }
    /// <summary>New-JameyBackupKey: the identity file holding the private key.</summary>
    public string? IdentityFile { get; set; }

    public override string ToString() => Recipient;
}
