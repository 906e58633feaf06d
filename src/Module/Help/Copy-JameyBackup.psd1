@{
    Synopsis    = 'Copies complete, verified backups to another repository: a folder, Azure Blob Storage, S3 or SFTP.'
    Description = @'
Copy-JameyBackup copies local backups off the host (docs/remote-format.md). Every stored file and database chunk becomes one object named by the SHA-256 of its content, so what the destination already holds (an unchanged Lucene segment, an unchanged 1 MiB database chunk) is never sent again: a second copy after a small change sends only what changed.

Each backup is checked first (every stored byte re-hashed against its manifest); a damaged backup is not copied. Objects are uploaded create-only with their SHA-256 (and the store's own integrity header), in parallel up to -ThrottleLimit and within -MaxBytesPerSecond. The backup becomes visible at the destination only when every object is there and its manifest, written last, is in place: a copy that is killed or fails leaves nothing listed as a backup, and the next copy sends only what is missing. An object found missing or of the wrong size at the destination is sent again; -Repair re-reads every object the destination holds for these backups and replaces damaged ones.

With no -BackupId and no input it copies every Complete backup of the repository that the destination lacks, oldest first. It writes one result per backup as soon as it is copied. Every run is recorded in the source repository (run history and copy status, for the metrics); neither ever holds a credential.

Credentials come from where each SDK looks (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile; SSH keys and known_hosts) or from -Credential. Endpoints for emulators and S3-compatible services: JAMEY3_AZURE_ENDPOINT, AWS_ENDPOINT_URL_S3.
'@
    Parameters  = @{
        InputObject       = 'Backups from Get-JameyBackup or New-JameyBackup (of a local repository).'
        BackupId          = 'The ids of the backups to copy. Without it (and without input) every Complete backup the destination lacks is copied. Binds from the BackupId property of piped objects.'
        BackupPath        = 'The local repository holding the backups. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects.'
        Destination       = 'Where to copy: a local folder (a USB disk), azure://<account>/<container>/<prefix>, s3://<bucket>/<prefix> or sftp://<user>@<host>[:<port>]/<path>. A location never carries a secret: a password or query string in it is refused.'
        Credential        = 'The secret for the destination, in the password. Azure: a connection string (user name "connectionstring", or recognised by AccountKey=), a SAS token (user name "sas", or starting sv=), otherwise the account key. S3: the user name is the access key id, the password the secret key. SFTP: user name "keyfile:<path>" (the password is the key''s passphrase, may be empty), or anything else with a password.'
        KeyFile           = 'An encrypted destination: the path of this host''s repository key file (JAMEY3-REPOSITORY-KEY-1..., owner-only). The first copy to a new destination creates it there, with -Recipient/-RecipientFile or -Passphrase; later copies (and schedules) need only it: the recipients come from the destination, authenticated under the key. It decrypts nothing, so this host can copy, list and check a sample but not restore.'
        Recipient         = 'A new encrypted destination: the public keys (age1..., from New-JameyBackupKey or age-keygen) every object is encrypted to. Only their private keys can restore. For an existing destination they must be its own; change them with Add-JameyBackupRecipient / Remove-JameyBackupRecipient.'
        RecipientFile     = 'A new encrypted destination: files of public keys (one age1... a line, # comments), as age reads them.'
        Passphrase        = 'A new passphrase-protected destination: its passphrase (SecureString), used once to protect the repository identity (keys/identity.age, scrypt); later copies do not need it. Never written to any file, message or the run history.'
        ThrottleLimit     = 'How many objects are uploaded at once (1-64, default 4).'
        MaxBytesPerSecond = 'The most bytes per second all uploads together may send (at least 1024); no limit by default.'
        Repair            = 'Re-read every object the destination already holds for these backups, and replace any whose bytes do not match (read back afterwards).'
    }
    Outputs     = @{ JameyCopyResult = 'One result per backup: Published, ObjectCount, ObjectsSent, BytesSent, ObjectsPresent, BytesPresent, ObjectsRepaired, Duration, BytesPerSecond, Destination.' }
    Examples    = @(
        @{ Title = 'An encrypted off-site copy from a host that holds only public keys'; Code = 'Copy-JameyBackup -Destination azure://jameybackups/offsite/host1 -KeyFile /etc/jamey3/offsite.key -RecipientFile /etc/jamey3/recipients.txt'; Remarks = 'The first copy sets the destination up and creates the key file; later copies need only -KeyFile.' }
        @{ Title = 'Copy every new backup to Azure Blob Storage'; Code = 'Copy-JameyBackup -Destination azure://jameybackups/offsite/host1'; Remarks = 'Uses AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_KEY) from the environment.' }
        @{ Title = 'Copy the newest backup to S3 with an explicit key'; Code = 'Get-JameyBackup -Newest 1 | Copy-JameyBackup -Destination s3://my-bucket/jamey -Credential (Get-Credential AKIAEXAMPLE)'; Remarks = '' }
        @{ Title = 'Copy to a USB disk, slowly'; Code = 'Copy-JameyBackup -Destination /media/usb/jamey -ThrottleLimit 2 -MaxBytesPerSecond 20MB'; Remarks = '' }
        @{ Title = 'See what would be copied'; Code = 'Get-JameyBackup | Copy-JameyBackup -Destination sftp://backup@nas/srv/jamey -WhatIf'; Remarks = '' }
        @{ Title = 'Repair a destination after a failed check'; Code = 'Copy-JameyBackup -BackupId 20261128-020000-000 -Destination azure://jameybackups/offsite/host1 -Repair'; Remarks = 'Damaged objects are replaced; the backup stays listed.' }
    )
    Links       = @('Get-JameyBackup', 'Test-JameyBackup', 'about_Jamey3')
}
