@{
    Synopsis    = 'Adds public keys to an encrypted repository: every object written from now on is encrypted to them too.'
    Description = 'Add-JameyBackupRecipient re-wraps the repository key (keys/repository.age) for the new set of recipients and rewrites the sealed recipient list (keys/recipients.json, authenticated under the repository key), on a machine holding a current recipient''s private key or the passphrase. The new recipient can then unwrap the repository key, and every object and manifest the backup host writes from its next copy on is encrypted to it too. Objects already stored keep their headers, and later backups reuse unchanged objects, so a recipient added later cannot restore a backup until every object it needs was written after it joined: add every key holder, a recovery key included, before the first copy (docs/encryption.md, Adding and removing a recipient). Writes the repository''s recipients after the change.'
    Parameters  = @{
        BackupPath    = 'The encrypted repository: a URL (azure://<account>/<container>/<prefix>, s3://<bucket>/<prefix>, sftp://user@host/path) or a local folder.'
        Recipient     = 'The public keys (age1...) to change.'
        RecipientFile = 'Files of public keys (one age1... a line, # comments), as age reads them.'
        IdentityFile  = 'An identity file holding the private key of one of the repository''s current recipients: changing recipients unwraps the repository key, so it needs a key holder, never the backup host.'
        Passphrase    = 'For a passphrase-protected repository: its passphrase (SecureString), instead of -IdentityFile.'
        Credential    = 'The store''s credential, as for Get-JameyBackup; without it, each SDK''s usual places are used.'
    }
    Outputs     = @{ JameyBackupRecipient = 'Each recipient of the repository after the change.' }
    Examples    = @(
        @{ Title = 'Add a recovery key'; Code = "Add-JameyBackupRecipient -BackupPath azure://jameybackups/offsite/host1 -Recipient age1... -IdentityFile ~/keys/jamey-owner.txt"; Remarks = 'The owner''s laptop does this, not the backup host.' }
        @{ Title = 'See what would change'; Code = 'Add-JameyBackupRecipient -BackupPath s3://bucket/jamey -RecipientFile ./new-keys.txt -IdentityFile ./owner.txt -WhatIf'; Remarks = '' }
    )
    Links       = @('Remove-JameyBackupRecipient', 'New-JameyBackupKey')
}
