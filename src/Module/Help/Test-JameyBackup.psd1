@{
    Synopsis    = 'Proves that backups are intact and restorable.'
    Description = @'
Test-JameyBackup restores a backup into a private temporary folder, several files at a time, checking every file's SHA-256 against the manifest, then opens it: every Lucene file's footer checksum, every index opened with the manifest's document count, the database's header, PRAGMA quick_check and its row counts. The temporary folder is removed afterwards; the backup and the live data are never touched.

It writes one result per backup as soon as that backup is checked: Passed, and per component what failed, naming the file. -Quick only re-hashes the stored files, which is much faster and catches any changed byte, but does not decompress them or open the database or the indices. -Deep runs PRAGMA integrity_check instead of quick_check and Lucene's CheckIndex instead of a plain reader open: the most thorough check, seconds per index whatever its size; its results say Mode = Deep.

Every run's outcome is recorded in the repository, so Start-JameyMetrics and the alert rules see failed verifications.
'@
    Parameters  = @{
        InputObject = 'Backups from Get-JameyBackup or New-JameyBackup.'
        BackupId    = 'The ids of the backups to test. Binds from the BackupId property of piped objects, including deserialized ones (Import-Clixml).'
        BackupPath  = 'The repository holding -BackupId. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects.'
        Path        = 'The folders of the backups to test (repository/backups/<id>). Wildcards are expanded: -Path /backups/jamey/backups/202611* tests every November backup. A pattern that matches nothing is an error (PathNotFound).'
        LiteralPath = 'The folders of the backups to test, taken literally (no wildcards). Binds from the PSPath property, so folders piped from Get-ChildItem are tested.'
        Quick       = 'Only re-hash the stored files against the manifest; skip restoring and opening the database and indices.'
        Sample      = 'Remote repositories only: re-read this share (percent, up to 100) of each backup''s objects, chosen at random on every run (as restic''s check --read-data-subset), checking each against its stored SHA-256 from the index and, opened, its content hash. Every object''s presence and size are checked from one listing whatever the sample. With -SampleBytes, whichever limit is reached first.'
        SampleBytes = 'Remote repositories only: re-read objects up to this many stored bytes per backup, chosen at random on every run; a daily check then downloads at most this much.'
        Credential  = 'For a -BackupPath URL (azure://, s3://, sftp://): the store''s credential. Azure: the password is a connection string, a SAS token (user name "sas", or starting sv=) or an account key; S3: the user name is the access key id and the password the secret key; SFTP: the password, or user name "keyfile:<path>" with the key''s passphrase. Without it, each SDK''s usual places are used (AZURE_STORAGE_*, AWS_* and ~/.aws, ~/.ssh). It is never written to any file or message.'
        IdentityFile= 'For an encrypted remote repository: identity files (AGE-SECRET-KEY-1..., as age-keygen or New-JameyBackupKey writes them) holding the private key of one of its recipients. With it, the repository key is recovered from the destination''s keys/repository.age, and everything can be read. Keep identity files off the backup host, owner-only (chmod 600).'
        Passphrase  = 'For a passphrase-protected remote repository: its passphrase, as a SecureString (Read-Host -AsSecureString). It unlocks keys/identity.age at the destination (scrypt); it is never written to any file, message or the run history.'
        KeyFile     = 'For an encrypted remote repository, on the backup host: the path of its repository key file (JAMEY3-REPOSITORY-KEY-1..., owner-only). It names and authenticates objects but decrypts nothing: with it alone, backups are listed from their authenticated indexes and the sampled check compares stored hashes; restoring and the full check need -IdentityFile or -Passphrase and say so.'
        Deep        = 'Also run PRAGMA integrity_check on the database and Lucene''s CheckIndex on every index (seconds per index whatever its size). Cannot be combined with -Quick (VerificationModeConflict).'
    }
    Outputs     = @{ JameyBackupTestResult = 'One result per backup, as soon as it is checked: Passed, Mode, Duration, FilesChecked, BytesChecked, per component results and Problems (each naming its component and file).' }
    Examples    = @(
        @{ Title = 'Test the newest backup'; Code = 'Get-JameyBackup -Newest 1 | Test-JameyBackup'; Remarks = '' }
        @{ Title = 'Find every failing backup'; Code = 'Get-JameyBackup | Test-JameyBackup | Where-Object Passed -eq $false | Select-Object -ExpandProperty Problems'; Remarks = 'Each problem names its component and file.' }
        @{ Title = 'A quick checksum pass over everything'; Code = 'Get-JameyBackup | Test-JameyBackup -Quick'; Remarks = '' }
        @{ Title = 'A daily sampled check of an off-site copy'; Code = 'Get-JameyBackup -BackupPath s3://jamey-backups/host1 -Newest 1 | Test-JameyBackup -Sample 5'; Remarks = 'Re-reads a random 5% of the newest backup''s objects; a missing or altered object is named in the result.' }
        @{ Title = 'The deepest check of the newest backup'; Code = 'Get-JameyBackup -Newest 1 | Test-JameyBackup -Deep'; Remarks = 'integrity_check and CheckIndex as well; the result says Mode = Deep.' }
        @{ Title = 'Test a backup folder directly'; Code = 'Test-JameyBackup -Path /backups/jamey/backups/20261128-020000-000'; Remarks = '' }
        @{ Title = 'Test the folders of a repository'; Code = 'Get-ChildItem /backups/jamey/backups -Directory | Test-JameyBackup -Quick'; Remarks = 'Folders bind to -LiteralPath by their PSPath property.' }
    )
    Links       = @('Get-JameyBackup', 'Restore-JameyBackup', 'about_Jamey3')
}
