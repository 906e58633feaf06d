@{
    Synopsis    = 'Restores a backup, whole or one component, without ever leaving live data half-restored.'
    Description = @'
Restore-JameyBackup restores one backup into the live Jamey data directory (-DataPath) or into another folder (-Destination, which leaves live data untouched). It restores every component in the backup, or only those named by -Component; components not named are left byte for byte as they are.

Nothing is touched before the backup is proven: the files to restore are extracted into a staging folder on the same file system as the target while their SHA-256 is checked against the manifest, the database is checked with PRAGMA integrity_check and each index with CheckIndex against the manifest's document counts. A backup that fails is refused with the error id BackupVerificationFailed naming the bad file; -AllowDamaged restores it anyway, for salvage, and says so in the result.

The swap is journaled and atomic per component: the current data is moved into a rollback folder and the staged data renamed into place, one component at a time, each step recorded in the journal first. A crash, kill or Ctrl+C at any moment leaves each component either fully old or fully new; the next Restore-JameyBackup into the same place, or Restore-JameyBackup -Recover, finishes the interrupted restore when everything had been staged and rolls it back otherwise. The replaced data stays in the rollback folder named in the result (RollbackPath, under <data>/.jamey3-restore/) unless -DiscardRollback is given; delete that folder once the restored data has proved good, as nothing removes it automatically.

While Jamey holds the database or an index open for writing, the restore is refused with the error id DataInUse: swapping files under a running writer corrupts data. Stop Jamey first (for example systemctl stop jamey, or end its process), or use -Force if you accept that the running process keeps writing to the replaced files. This check is made before the confirmation prompt, so you are never asked to confirm a restore that would be refused, and -WhatIf reports the refusal too.

The restored database is a self-contained file in WAL mode, as Jamey expects. Piping several backups into one restore is an error (MultipleBackupsForOneTarget), not "last one wins". The command asks for confirmation (ConfirmImpact High); -WhatIf prints the backup (id and time), the components and the paths that would be replaced, and changes nothing. Use -Confirm:$false in scripts.
'@
    Parameters  = @{
        InputObject     = 'A backup from Get-JameyBackup or New-JameyBackup.'
        BackupId        = 'The id of the backup to restore. Binds from the BackupId property of piped objects, including deserialized ones (Import-Clixml).'
        BackupPath      = 'The repository holding -BackupId. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects. A URL (azure://, s3://, sftp://) restores straight from a remote repository, with no local repository: every object is checked against its stored and content hashes and the restore goes through the same verified, staged, journaled swap.'
        Credential      = 'For a -BackupPath URL (azure://, s3://, sftp://): the store''s credential. Azure: the password is an account key, a SAS token or a connection string; S3: the user name is the access key id and the password the secret key; SFTP: the password. Without it, each SDK''s usual places are used (AZURE_STORAGE_*, AWS_* and ~/.aws, ~/.ssh). It is never written to any file or message.'
        IdentityFile    = 'For an encrypted remote repository: identity files (AGE-SECRET-KEY-1..., as age-keygen or New-JameyBackupKey writes them) holding the private key of one of its recipients. With it, the repository key is recovered from the destination''s keys/repository.age, and everything can be read. Keep identity files off the backup host, owner-only (chmod 600).'
        Passphrase      = 'For a passphrase-protected remote repository: its passphrase, as a SecureString (Read-Host -AsSecureString). It unlocks keys/identity.age at the destination (scrypt); it is never written to any file, message or the run history.'
        KeyFile         = 'For an encrypted remote repository, on the backup host: the path of its repository key file (JAMEY3-REPOSITORY-KEY-1..., owner-only). It names and authenticates objects but decrypts nothing: with it alone, backups are listed from their authenticated indexes and the sampled check compares stored hashes; restoring and the full check need -IdentityFile or -Passphrase and say so.'
        Path            = 'The folder of the backup to restore (repository/backups/<id>). Wildcards are expanded and must match exactly one backup.'
        LiteralPath     = 'The folder of the backup to restore, taken literally (no wildcards). Binds from the PSPath property of a folder piped from Get-Item or Get-ChildItem.'
        Component       = 'The components to restore: Database, ShortTerm, LongTerm, Working, Episodic, Semantic, or Memory for all five index layers. Defaults to every component in the backup.'
        DataPath        = 'The live Jamey data directory. Defaults to JAMEY_DATA_DIR. With -Recover, the folder whose interrupted restore to finish or roll back.'
        Destination     = 'Restore into this folder instead of the live data directory, which is then not touched.'
        AllowDamaged    = 'Salvage: restore even when the backup fails verification. The result lists the problems and says Verified = False. Links and unsafe paths are refused even so.'
        Force           = 'Restore even while a process holds the database or an index open for writing.'
        DiscardRollback = 'Delete the replaced data once the restore has completed, instead of keeping it in the rollback folder.'
        Recover         = 'Only finish or roll back an interrupted restore in -DataPath (after a crash or kill), and report what was done. When no restore was interrupted there, it says so and asks nothing.'
    }
    Outputs     = @{ JameyRestoreResult = 'The restore: backup, components, destination, Verified, and RollbackPath (the replaced data).'; JameyRestoreRecovery = 'With -Recover, one object per interrupted restore that was finished, rolled back or cleaned up; none when there was nothing to recover.' }
    Examples    = @(
        @{ Title = 'The disaster drill: restore from the off-site copy alone'; Code = '$key = Get-Credential jamey   # the Azure account key as the password`nRestore-JameyBackup -BackupPath azure://jameybackups/offsite/host1 -BackupId 20261128-020000-123 -Credential $key -DataPath /srv/jamey/data -Confirm:$false'; Remarks = 'No local repository is needed. A missing or altered object, or a tampered manifest, is refused before the live data is touched.' }
        @{ Title = 'Restore the newest backup into the live data directory'; Code = 'Get-JameyBackup -Newest 1 | Restore-JameyBackup -Confirm:$false'; Remarks = 'Stop Jamey first. The result names the rollback folder holding the replaced data.' }
        @{ Title = 'See what a restore would do'; Code = 'Get-JameyBackup -Newest 1 | Restore-JameyBackup -WhatIf'; Remarks = 'Prints the backup id and time, and every path that would be replaced.' }
        @{ Title = 'Restore only the long-term memory'; Code = 'Restore-JameyBackup -BackupId 20261128-020000-000 -Component LongTerm'; Remarks = 'The database and the other layers stay exactly as they are.' }
        @{ Title = 'Restore into another folder to inspect it'; Code = 'Restore-JameyBackup -BackupId 20261128-020000-000 -Destination /tmp/jamey-inspect'; Remarks = 'Live data is not touched.' }
        @{ Title = 'Finish an interrupted restore'; Code = 'Restore-JameyBackup -Recover -DataPath /srv/jamey/data'; Remarks = 'Rolls forward when everything had been staged, back otherwise.' }
        @{ Title = 'Restore from a saved list'; Code = "Get-JameyBackup -Newest 1 | Export-Clixml last.xml`nImport-Clixml last.xml | Restore-JameyBackup -Confirm:`$false"; Remarks = 'Deserialized objects bind by BackupId and RepositoryPath.' }
    )
    Links       = @('Get-JameyBackup', 'Test-JameyBackup', 'New-JameyBackup', 'about_Jamey3')
}
