@{
    Synopsis    = 'Removes public keys from an encrypted repository: objects written afterwards are not encrypted to them.'
    Description = 'Remove-JameyBackupRecipient re-wraps the repository key (keys/repository.age) for the remaining recipients and rewrites the sealed recipient list, on a machine holding a remaining recipient''s private key or the passphrase. From the backup host''s next copy on, every object and manifest is encrypted only to the remaining recipients, so the removed key cannot decrypt them, nor the repository key''s new wrapping. What it cannot undo: objects written before the removal were readable with the removed key, and its holder may have kept them or their file keys; see docs/encryption.md for the precise guarantee. The last recipient and the passphrase identity cannot be removed (AgeNoRecipients, RecipientNotFound). ConfirmImpact is High: use -Confirm:$false in scripts.'
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
        @{ Title = 'A lost laptop'; Code = 'Remove-JameyBackupRecipient -BackupPath azure://jameybackups/offsite/host1 -Recipient age1lostlaptop... -IdentityFile /media/usb/jamey-recovery.txt -Confirm:$false'; Remarks = 'New copies are encrypted only to the remaining keys.' }
        @{ Title = 'See what would change'; Code = 'Remove-JameyBackupRecipient -BackupPath s3://bucket/jamey -Recipient age1... -IdentityFile ./owner.txt -WhatIf'; Remarks = '' }
    )
    Links       = @('Add-JameyBackupRecipient', 'New-JameyBackupKey')
}
