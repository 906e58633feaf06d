@{
    Synopsis    = 'Removes backups by name, or applies the retention policy.'
    Description = @'
Remove-JameyBackup removes the backups piped to it or named by -BackupId, or, with -Retention, every backup the retention policy no longer keeps: beyond the BACKUP_MAX_BACKUPS newest complete backups of each component it holds (a backup of one component counts only towards that component), or older than BACKUP_RETENTION_DAYS. Backups are ranked by the time their manifests record. -MaxBackups and -RetentionDays override the environment.

Retention never removes the newest backup that passed verification (or, when none was ever verified, the newest complete one), so a repository is never left without a good backup; naming that backup explicitly needs -Force. A backup being written is never touched: removal takes the repository's writer lock. The newest full backup and the newest backup of each component are always kept too. Damaged backups are kept for salvage until they pass the age limit. A backup dated in the future (taken while the clock was wrong) is kept, warned about and counted towards nothing, so it never pushes the backups around it out. Staging folders left by backup runs that died are removed. In the data directory (-DataPath, default JAMEY_DATA_DIR), retention also removes the rollback folders of finished restores except the latest restore's, and that one too once it is older than the age limit.

A backup is removed by renaming its folder into the repository's trash/ folder first, which takes it out of every listing at once, and then deleting it; a removal interrupted half-way never leaves a backup that lists as good but misses files, and the next run finishes the deletion. Backups that share unchanged files by hard links are unaffected by each other's removal.

With -PassThru it writes one object per removed backup (BackupId, Action, Rule, Reason); without it, nothing (-Verbose names each removal). A named backup that would be refused (not found, the protected newest verified backup, a backup being written) is reported as an error before any prompt, and under -WhatIf too; the command asks for confirmation only for backups it would really remove (ConfirmImpact High). -WhatIf lists what would be removed and why, and removes nothing. Use -Confirm:$false in scheduled tasks and scripts. -Verbose also lists what is kept and why.
'@
    Parameters  = @{
        Credential  = 'For a -BackupPath URL (azure://, s3://, sftp://): the store''s credential. Azure: the password is a connection string, a SAS token (user name "sas", or starting sv=) or an account key; S3: the user name is the access key id and the password the secret key; SFTP: the password, or user name "keyfile:<path>" with the key''s passphrase. Without it, each SDK''s usual places are used. It is never written to any file or message.'
        KeyFile     = 'For an encrypted remote repository, on the backup host: its repository key file (owner-only). Enough for retention and garbage collection: they read only the authenticated indexes, never content.'
        IdentityFile= 'For an encrypted remote repository: identity files holding the private key of one of its recipients (instead of -KeyFile).'
        Passphrase  = 'For a passphrase-protected remote repository: its passphrase, as a SecureString (instead of -KeyFile).'
        InputObject        = 'Backups from Get-JameyBackup.'
        BackupId           = 'The ids of the backups to remove (staging leftovers included). Binds from the BackupId property of piped objects, including deserialized ones.'
        BackupPath         = 'The repository. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects.'
        PassThru           = 'Write one decision object per removed backup (BackupId, Action, Rule, Reason). Without it the command writes nothing.'
        Retention          = 'Apply the retention policy instead of naming backups.'
        RetentionDays      = 'With -Retention: remove backups older than this many days (0 means no age limit). Defaults to BACKUP_RETENTION_DAYS (30).'
        OperationId        = 'Remove the rollback folders of these finished restores (the OperationId of Get-JameyBackup -Rollback objects, which bind from the pipeline, live or deserialized). A folder of a restore that did not finish is never removed: Restore-JameyBackup -Recover needs it.'
        DataPath           = 'The data directory whose rollback folders are removed with -OperationId or, with -Retention, kept in check (only the latest restore''s is kept, within the age limit). Defaults to JAMEY_DATA_DIR, or "data" under the current location.'
        MaxBackups         = 'With -Retention: keep at most this many complete backups of each component. Defaults to BACKUP_MAX_BACKUPS (10).'
        IncludeIncomplete  = 'Accepted for older scripts: retention now always removes staging folders left by backup runs that did not finish.'
        Force              = 'Allow naming the protected backup (the newest verified one) for removal.'
        LockTimeoutSeconds = 'How long to wait for a running backup to release the repository. Default 10.'
        GracePeriod        = 'A remote repository (-BackupPath azure://, s3://, sftp:// URL) only: how long an object that no backup needs any more stays before it is deleted. Removing a backup deletes its manifest and index at once; its objects are marked by this run and deleted by a run after the grace period, if no backup needs them then, and never while a copy to the repository is in progress. Default 24 hours; keep it above the length of your longest copy.'
    }
    Outputs     = @{ JameyRetentionDecision = 'With -PassThru, one object per removed backup (BackupId, Action, Rule, Reason). Nothing otherwise.' }
    Examples    = @(
        @{ Title = 'Apply the retention policy from the environment'; Code = 'Remove-JameyBackup -Retention -Confirm:$false'; Remarks = 'What a scheduled run does after each backup.' }
        @{ Title = 'See what retention would remove'; Code = 'Remove-JameyBackup -Retention -MaxBackups 5 -RetentionDays 14 -WhatIf -Verbose'; Remarks = 'Lists every backup that would go and why, and with -Verbose every one kept and why.' }
        @{ Title = 'Everything but the three newest, as a preview'; Code = 'Get-JameyBackup | Select-Object -Skip 3 | Remove-JameyBackup -WhatIf'; Remarks = '' }
        @{ Title = 'Remove one backup'; Code = 'Remove-JameyBackup -BackupId 20261101-020000-000'; Remarks = 'Asks for confirmation first.' }
        @{ Title = 'Remove the rollback folders restores left'; Code = 'Get-JameyBackup -Rollback | Remove-JameyBackup -Confirm:$false'; Remarks = 'Each holds a full copy of the data a restore replaced.' }
        @{ Title = 'Retention on an off-site copy'; Code = 'Remove-JameyBackup -BackupPath s3://jamey-offsite/host1 -Retention -MaxBackups 30 -Confirm:$false -Verbose'; Remarks = 'Removes the backups the policy no longer keeps from the remote repository and deletes the objects that were marked unneeded more than -GracePeriod (24 hours) ago. Credentials come from the environment or the SDK''s credential files.' }
        @{ Title = 'Clean up after crashed runs'; Code = 'Remove-JameyBackup -Retention -Confirm:$false'; Remarks = 'Also removes the staging folders of backup runs that were killed.' }
    )
    Links       = @('Get-JameyBackup', 'New-JameyBackup', 'Register-JameyBackupSchedule', 'about_Jamey3')
}
