@{
    Synopsis    = 'Lists the backups in a Jamey3 repository, newest first.'
    Description = @'
Get-JameyBackup reads a backup repository and writes one object per backup, newest first, as it reads them, so `Get-JameyBackup | Select-Object -First 1` reads one manifest and stops.

Each backup carries a Status: Complete (manifest readable, every file present at its recorded size), Damaged (manifest missing or invalid, or a file missing or of the wrong size; Problem says which), Incomplete (left in staging by a run that did not finish) or InProgress (being written now). A damaged backup never breaks the listing. Listing does not hash files; use Test-JameyBackup for that.
'@
    Parameters  = @{
        BackupId   = 'Only the backups with these ids. Wildcards are allowed (20261128-*). A literal id that matches nothing is an error with the id BackupNotFound. Tab completion offers the ids in the repository.'
        BackupPath = 'The backup repository. Defaults to BACKUP_DIR, or "data/backups" under the current location. Binds from the RepositoryPath property of piped objects.'
        Newest     = 'At most this many backups (after the other filters), newest first.'
        After      = 'Only backups taken after this time. A time without a zone is local time.'
        Before     = 'Only backups taken before this time. A time without a zone is local time.'
        Status     = 'Only backups with one of these statuses: Complete, Damaged, Incomplete, InProgress.'
    }
    Outputs     = @{ JameyBackup = 'One object per backup, newest first: BackupId, Timestamp, Status, Components, sizes, Path and RepositoryPath. Pipe it to Test-JameyBackup, Restore-JameyBackup or Remove-JameyBackup.' }
    Examples    = @(
        @{ Title = 'List every backup'; Code = 'Get-JameyBackup -BackupPath /backups/jamey'; Remarks = 'Newest first, with status, size and stored size.' }
        @{ Title = 'The newest backup'; Code = 'Get-JameyBackup -Newest 1'; Remarks = 'Reads only as much of the repository as it needs.' }
        @{ Title = 'Backups of the last week'; Code = 'Get-JameyBackup -After (Get-Date).AddDays(-7)'; Remarks = '' }
        @{ Title = 'Damaged or unfinished backups'; Code = 'Get-JameyBackup -Status Damaged, Incomplete | Format-List BackupId, Status, Problem'; Remarks = 'Shows why each one is not good.' }
        @{ Title = 'Verify every backup and keep the failures'; Code = 'Get-JameyBackup | Test-JameyBackup | Where-Object Passed -eq $false'; Remarks = 'Each result names the failing component and file.' }
    )
    Links       = @('New-JameyBackup', 'Test-JameyBackup', 'about_Jamey3')
}
