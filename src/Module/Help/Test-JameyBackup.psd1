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
        Deep        = 'Also run PRAGMA integrity_check on the database and Lucene''s CheckIndex on every index (seconds per index whatever its size). Cannot be combined with -Quick (VerificationModeConflict).'
    }
    Outputs     = @{ JameyBackupTestResult = 'One result per backup, as soon as it is checked: Passed, Mode, Duration, FilesChecked, BytesChecked, per component results and Problems (each naming its component and file).' }
    Examples    = @(
        @{ Title = 'Test the newest backup'; Code = 'Get-JameyBackup -Newest 1 | Test-JameyBackup'; Remarks = '' }
        @{ Title = 'Find every failing backup'; Code = 'Get-JameyBackup | Test-JameyBackup | Where-Object Passed -eq $false | Select-Object -ExpandProperty Problems'; Remarks = 'Each problem names its component and file.' }
        @{ Title = 'A quick checksum pass over everything'; Code = 'Get-JameyBackup | Test-JameyBackup -Quick'; Remarks = '' }
        @{ Title = 'The deepest check of the newest backup'; Code = 'Get-JameyBackup -Newest 1 | Test-JameyBackup -Deep'; Remarks = 'integrity_check and CheckIndex as well; the result says Mode = Deep.' }
        @{ Title = 'Test a backup folder directly'; Code = 'Test-JameyBackup -Path /backups/jamey/backups/20261128-020000-000'; Remarks = '' }
        @{ Title = 'Test the folders of a repository'; Code = 'Get-ChildItem /backups/jamey/backups -Directory | Test-JameyBackup -Quick'; Remarks = 'Folders bind to -LiteralPath by their PSPath property.' }
    )
    Links       = @('Get-JameyBackup', 'Restore-JameyBackup', 'about_Jamey3')
}
