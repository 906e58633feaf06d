@{
    Synopsis    = 'Removes backups by name, or applies the retention policy.'
    Description = @'
Remove-JameyBackup removes the backups piped to it or named by -BackupId, or, with -Retention, every backup the retention policy no longer keeps: more than BACKUP_MAX_BACKUPS complete backups (newest kept), or older than BACKUP_RETENTION_DAYS. -MaxBackups and -RetentionDays override the environment.

Retention never removes the newest backup that passed verification (or, when none was ever verified, the newest complete one), so a repository is never left without a good backup; naming that backup explicitly needs -Force. A backup being written is never touched: removal takes the repository's writer lock. Damaged backups are kept for salvage until they pass the age limit. -IncludeIncomplete also removes staging folders left by backup runs that died.

A backup is removed by renaming its folder into the repository's trash/ folder first, which takes it out of every listing at once, and then deleting it; a removal interrupted half-way never leaves a backup that lists as good but misses files, and the next run finishes the deletion. Backups that share unchanged files by hard links are unaffected by each other's removal.

With -PassThru it writes one object per removed backup (BackupId, Action, Rule, Reason); without it, nothing (-Verbose names each removal). A named backup that would be refused (not found, the protected newest verified backup, a backup being written) is reported as an error before any prompt, and under -WhatIf too; the command asks for confirmation only for backups it would really remove (ConfirmImpact High). -WhatIf lists what would be removed and why, and removes nothing. Use -Confirm:$false in scheduled tasks and scripts. -Verbose also lists what is kept and why.
'@
    Parameters  = @{
        InputObject        = 'Backups from Get-JameyBackup.'
        BackupId           = 'The ids of the backups to remove (staging leftovers included). Binds from the BackupId property of piped objects, including deserialized ones.'
        BackupPath         = 'The repository. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects.'
        PassThru           = 'Write one decision object per removed backup (BackupId, Action, Rule, Reason). Without it the command writes nothing.'
        Retention          = 'Apply the retention policy instead of naming backups.'
        RetentionDays      = 'With -Retention: remove backups older than this many days (0 means no age limit). Defaults to BACKUP_RETENTION_DAYS (30).'
        MaxBackups         = 'With -Retention: keep at most this many complete backups. Defaults to BACKUP_MAX_BACKUPS (10).'
        IncludeIncomplete  = 'With -Retention: also remove staging folders left by backup runs that did not finish.'
        Force              = 'Allow naming the protected backup (the newest verified one) for removal.'
        LockTimeoutSeconds = 'How long to wait for a running backup to release the repository. Default 10.'
    }
    Outputs     = @{ JameyRetentionDecision = 'With -PassThru, one object per removed backup (BackupId, Action, Rule, Reason). Nothing otherwise.' }
    Examples    = @(
        @{ Title = 'Apply the retention policy from the environment'; Code = 'Remove-JameyBackup -Retention -Confirm:$false'; Remarks = 'What a scheduled run does after each backup.' }
        @{ Title = 'See what retention would remove'; Code = 'Remove-JameyBackup -Retention -MaxBackups 5 -RetentionDays 14 -WhatIf -Verbose'; Remarks = 'Lists every backup that would go and why, and with -Verbose every one kept and why.' }
        @{ Title = 'Everything but the three newest, as a preview'; Code = 'Get-JameyBackup | Select-Object -Skip 3 | Remove-JameyBackup -WhatIf'; Remarks = '' }
        @{ Title = 'Remove one backup'; Code = 'Remove-JameyBackup -BackupId 20261101-020000-000'; Remarks = 'Asks for confirmation first.' }
        @{ Title = 'Clean up after crashed runs'; Code = 'Remove-JameyBackup -Retention -IncludeIncomplete -Confirm:$false'; Remarks = '' }
    )
    Links       = @('Get-JameyBackup', 'New-JameyBackup', 'Register-JameyBackupSchedule', 'about_Jamey3')
}
