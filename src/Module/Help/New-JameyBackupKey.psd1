@{
    Synopsis    = 'Generates an age key pair for encrypted off-site copies: a new identity file and its public key.'
    Description = 'New-JameyBackupKey writes a new X25519 identity (private key) into a new file in age-keygen''s format, readable by its owner only (0600), and writes its public key (age1...) as a JameyBackupRecipient. Give the public key to the backup host (Copy-JameyBackup -Recipient, or a recipient file); keep the identity file off the backup host, where write-only copies are the point, and keep a second one offline as a recovery key. An existing file is never overwritten (AgeKeyFileExists). The file works with the standard age tool: age -d -i <file> <object>.'
    Parameters  = @{
        Path = 'The identity file to create. It must not exist yet.'
    }
    Outputs     = @{ JameyBackupRecipient = 'The new public key and the identity file that holds its private key.' }
    Examples    = @(
        @{ Title = 'An everyday key and a recovery key'; Code = "New-JameyBackupKey -Path ~/keys/jamey-owner.txt`nNew-JameyBackupKey -Path /media/usb/jamey-recovery.txt"; Remarks = 'Keep the recovery key offline; with either one, everything at the destination can be restored.' }
        @{ Title = 'See what would be created'; Code = 'New-JameyBackupKey -Path ./key.txt -WhatIf'; Remarks = '' }
    )
    Links       = @('Add-JameyBackupRecipient', 'Remove-JameyBackupRecipient', 'Restore-JameyBackup')
}
