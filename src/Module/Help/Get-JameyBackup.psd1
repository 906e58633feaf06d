@{
    Synopsis    = 'Lists the backups in a Jamey3 repository, newest first.'
    Description = @'
Get-JameyBackup reads a backup repository and writes one object per backup, newest first by the time each manifest records (not by folder name), as it reads them, so `Get-JameyBackup | Select-Object -First 1` reads one full manifest and stops. A repository folder that does not exist is an error (RepositoryNotFound), not an empty list.

The table shows, per backup, its full Size and what it alone adds (Stored: its stored files that no other backup shares by hard link, the UniqueSize property); -Summary shows what sharing saves over the whole repository. A backup whose id is not the time its manifest records is Damaged; one dated in the future (taken while the clock was wrong) is flagged InFuture, with a warning, and is never counted as the newest.

Each backup carries a Status: Complete (manifest readable, every file present at its recorded size), Damaged (manifest missing or invalid, or a file missing or of the wrong size; Problem says which), Incomplete (left in staging by a run that did not finish) or InProgress (being written now). A damaged backup never breaks the listing. Listing does not hash files; use Test-JameyBackup for that.
'@
    Parameters  = @{
        BackupId   = 'Only the backups with these ids. Wildcards are allowed (20261128-*). A literal id that matches nothing is an error with the id BackupNotFound. Tab completion offers the ids in the repository.'
        BackupPath = 'The backup repository. Defaults to BACKUP_DIR, or "data/backups" under the current location. Binds from the RepositoryPath property of piped objects. A URL (azure://<account>/<container>/<prefix>, s3://<bucket>/<prefix>, sftp://user@host/path) lists a remote repository: its manifests, newest first, each validated as it is reached; a damaged or replayed one is listed as Damaged with the reason.'
        Credential = 'For a -BackupPath URL (azure://, s3://, sftp://): the store''s credential. Azure: the password is a connection string, a SAS token (user name "sas", or starting sv=) or an account key; S3: the user name is the access key id and the password the secret key; SFTP: the password, or user name "keyfile:<path>" with the key''s passphrase. Without it, each SDK''s usual places are used (AZURE_STORAGE_*, AWS_* and ~/.aws, ~/.ssh). It is never written to any file or message.'
        IdentityFile= 'For an encrypted remote repository: identity files (AGE-SECRET-KEY-1..., as age-keygen or New-JameyBackupKey writes them) holding the private key of one of its recipients. With it, the repository key is recovered from the destination''s keys/repository.age, and everything can be read. Keep identity files off the backup host, owner-only (chmod 600).'
        Passphrase = 'For a passphrase-protected remote repository: its passphrase, as a SecureString (Read-Host -AsSecureString). It unlocks keys/identity.age at the destination (scrypt); it is never written to any file, message or the run history.'
        KeyFile    = 'For an encrypted remote repository, on the backup host: the path of its repository key file (JAMEY3-REPOSITORY-KEY-1..., owner-only). It names and authenticates objects but decrypts nothing: with it alone, backups are listed from their authenticated indexes and the sampled check compares stored hashes; restoring and the full check need -IdentityFile or -Passphrase and say so.'
        Newest     = 'At most this many usable backups, newest first (after the other filters): only Complete backups not dated in the future count, so after a crash `Get-JameyBackup -Newest 1 | Restore-JameyBackup` skips an Incomplete leftover or a Damaged backup. With -Status, the newest of those statuses instead.'
        Rollback   = 'Instead of backups, list the rollback folders that finished restores left in the data directory (<data>/.jamey3-restore/<operation>/rollback), each a full copy of the data a restore replaced, with its size. Pipe them to Remove-JameyBackup to remove them.'
        DataPath   = 'With -Rollback: the Jamey data directory. Defaults to JAMEY_DATA_DIR, or "data" under the current location.'
        Summary    = 'Instead of the backups, one summary of those listed: how many, their data, their stored size counted in full, the disk they really take, what sharing unchanged files by hard links saves, and the size of staging leftovers.'
        After      = 'Only backups taken after this time. A time without a zone is local time.'
        Before     = 'Only backups taken before this time. A time without a zone is local time.'
        Status     = 'Only backups with one of these statuses: Complete, Damaged, Incomplete, InProgress.'
    }
    Outputs     = @{ JameyBackup = 'One object per backup, newest first: BackupId, Timestamp, Status, Components, sizes, Path and RepositoryPath. Pipe it to Test-JameyBackup, Restore-JameyBackup or Remove-JameyBackup.'; JameyBackupRepositorySummary = 'With -Summary, one summary of the backups listed: count, data size, stored size counted in full, disk really used, what sharing saves, staging leftovers.'; JameyRollback = 'With -Rollback, one object per rollback folder a finished restore left: OperationId, RestoredBackupId, RestoredAt, Path, Size. Pipe it to Remove-JameyBackup.' }
    Examples    = @(
        @{ Title = 'List every backup'; Code = 'Get-JameyBackup -BackupPath /backups/jamey'; Remarks = 'Newest first, with status, size and stored size.' }
        @{ Title = 'The newest backup'; Code = 'Get-JameyBackup -Newest 1'; Remarks = 'Reads only as much of the repository as it needs.' }
        @{ Title = 'List an off-site copy'; Code = 'Get-JameyBackup -BackupPath azure://jameybackups/offsite/host1'; Remarks = 'Credentials from AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or -Credential. Damaged or replayed manifests are listed with Status Damaged and the reason.' }
        @{ Title = 'Backups of the last week'; Code = 'Get-JameyBackup -After (Get-Date).AddDays(-7)'; Remarks = '' }
        @{ Title = 'Rollback folders left by restores'; Code = 'Get-JameyBackup -Rollback -DataPath /srv/jamey/data | Remove-JameyBackup -WhatIf'; Remarks = 'Each holds a full copy of the data a restore replaced; retention keeps only the latest restore''s.' }
        @{ Title = 'What sharing saves'; Code = 'Get-JameyBackup -Summary'; Remarks = 'SharingSaves is the stored size of every backup counted in full, minus what their stored files really take.' }
        @{ Title = 'Damaged or unfinished backups'; Code = 'Get-JameyBackup -Status Damaged, Incomplete | Format-List BackupId, Status, Problem'; Remarks = 'Shows why each one is not good.' }
        @{ Title = 'Verify every backup and keep the failures'; Code = 'Get-JameyBackup | Test-JameyBackup | Where-Object Passed -eq $false'; Remarks = 'Each result names the failing component and file.' }
    )
    Links       = @('New-JameyBackup', 'Test-JameyBackup', 'about_Jamey3')
}
