@{
    Synopsis    = 'Restores a backup, whole or one component, without ever leaving live data half-restored.'
    Description = @'
Restore-JameyBackup restores one backup into the live Jamey data directory (-DataPath) or into another folder (-Destination, which leaves live data untouched). It restores every component in the backup, or only those named by -Component; components not named are left byte for byte as they are.

Nothing is touched before the backup is proven: the files to restore are extracted into a staging folder on the same file system as the target, several at a time, while their SHA-256 is checked against the manifest (which proves every byte is what the backup read); then the staged copy must open: the database's header must agree with its length and the manifest, every Lucene file's footer checksum must match its content, and every index must open with the manifest's document count. -Deep also runs PRAGMA integrity_check on the database and Lucene's CheckIndex on every index before the swap, which takes seconds per index whatever its size; use it when the data may already have been damaged when the backup was taken. A backup that fails is refused with the error id BackupVerificationFailed naming the bad file; -AllowDamaged restores it anyway, for salvage, and says so in the result.

The swap is journaled and atomic per component: the current data is moved into a rollback folder and the staged data renamed into place, one component at a time, each step recorded in the journal first. A crash, kill or Ctrl+C at any moment leaves each component either fully old or fully new; the next Restore-JameyBackup into the same place, or Restore-JameyBackup -Recover, finishes the interrupted restore when everything had been staged and rolls it back otherwise. The replaced data stays in the rollback folder named in the result (RollbackPath, under <data>/.jamey3-restore/) unless -DiscardRollback is given; delete that folder once the restored data has proved good, as nothing removes it automatically.

While Jamey holds the database or an index open for writing, the restore is refused with the error id DataInUse: swapping files under a running writer corrupts data. Stop Jamey first (for example systemctl stop jamey, or end its process), or use -Force if you accept that the running process keeps writing to the replaced files. This check is made before the confirmation prompt, so you are never asked to confirm a restore that would be refused, and -WhatIf reports the refusal too.

The restored database is a self-contained file in WAL mode, as Jamey expects. Piping several backups into one restore is an error (MultipleBackupsForOneTarget), not "last one wins". The command asks for confirmation (ConfirmImpact High); -WhatIf prints the backup (id and time), the components and the paths that would be replaced, and changes nothing. Use -Confirm:$false in scripts.
'@
    Parameters  = @{
        InputObject     = 'A backup from Get-JameyBackup or New-JameyBackup.'
        BackupId        = 'The id of the backup to restore. Binds from the BackupId property of piped objects, including deserialized ones (Import-Clixml).'
        BackupPath      = 'The repository holding -BackupId. Defaults to BACKUP_DIR. Binds from the RepositoryPath property of piped objects.'
        Path            = 'The folder of the backup to restore (repository/backups/<id>). Wildcards are expanded and must match exactly one backup.'
        LiteralPath     = 'The folder of the backup to restore, taken literally (no wildcards). Binds from the PSPath property of a folder piped from Get-Item or Get-ChildItem.'
        Component       = 'The components to restore: Database, ShortTerm, LongTerm, Working, Episodic, Semantic, or Memory for all five index layers. Defaults to every component in the backup.'
        DataPath        = 'The live Jamey data directory. Defaults to JAMEY_DATA_DIR. With -Recover, the folder whose interrupted restore to finish or roll back.'
        Destination     = 'Restore into this folder instead of the live data directory, which is then not touched.'
        AllowDamaged    = 'Salvage: restore even when the backup fails verification. The result lists the problems and says Verified = False. Links and unsafe paths are refused even so.'
        Force           = 'Restore even while a process holds the database or an index open for writing.'
        DiscardRollback = 'Delete the replaced data once the restore has completed, instead of keeping it in the rollback folder.'
        Deep            = 'Also run PRAGMA integrity_check (and row counts) on the staged database and Lucene''s CheckIndex on every staged index before the swap. Slower (seconds per index); without it the content hashes, the database header, the Lucene footer checksums and an index reader with the manifest''s document counts prove the staged copy.'
        Recover         = 'Only finish or roll back an interrupted restore in -DataPath (after a crash or kill), and report what was done. When no restore was interrupted there, it says so and asks nothing.'
    }
    Outputs     = @{ JameyRestoreResult = 'The restore: backup, components, destination, Verified, and RollbackPath (the replaced data).'; JameyRestoreRecovery = 'With -Recover, one object per interrupted restore that was finished, rolled back or cleaned up; none when there was nothing to recover.' }
    Examples    = @(
        @{ Title = 'Restore the newest backup into the live data directory'; Code = 'Get-JameyBackup -Newest 1 | Restore-JameyBackup -Confirm:$false'; Remarks = 'Stop Jamey first. The result names the rollback folder holding the replaced data.' }
        @{ Title = 'See what a restore would do'; Code = 'Get-JameyBackup -Newest 1 | Restore-JameyBackup -WhatIf'; Remarks = 'Prints the backup id and time, and every path that would be replaced.' }
        @{ Title = 'Restore only the long-term memory'; Code = 'Restore-JameyBackup -BackupId 20261128-020000-000 -Component LongTerm'; Remarks = 'The database and the other layers stay exactly as they are.' }
        @{ Title = 'Restore into another folder to inspect it'; Code = 'Restore-JameyBackup -BackupId 20261128-020000-000 -Destination /tmp/jamey-inspect'; Remarks = 'Live data is not touched.' }
        @{ Title = 'Restore with the deepest checks'; Code = 'Get-JameyBackup -Newest 1 | Restore-JameyBackup -Deep -Confirm:$false'; Remarks = 'integrity_check and CheckIndex run on the staged copy before anything is replaced.' }
        @{ Title = 'Finish an interrupted restore'; Code = 'Restore-JameyBackup -Recover -DataPath /srv/jamey/data'; Remarks = 'Rolls forward when everything had been staged, back otherwise.' }
        @{ Title = 'Restore from a saved list'; Code = "Get-JameyBackup -Newest 1 | Export-Clixml last.xml`nImport-Clixml last.xml | Restore-JameyBackup -Confirm:`$false"; Remarks = 'Deserialized objects bind by BackupId and RepositoryPath.' }
    )
    Links       = @('Get-JameyBackup', 'Test-JameyBackup', 'New-JameyBackup', 'about_Jamey3')
}
