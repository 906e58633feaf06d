@{
    Synopsis    = 'Writes a self-contained HTML report of a backup repository''s health.'
    Description = @'
Export-JameyReport writes one HTML file that a person can open without Grafana or a network: the number of complete backups, the last good backup, the last verification and the last backup run, a chart of the backups over time (data backed up, bytes stored on disk, bytes shared with earlier backups through hard links), a chart of their durations, and the recent runs (backups, verifications, restores and retention runs, scheduled or not) with their errors. The charts are inline SVG; the page has no script and loads nothing from elsewhere.

The file is written atomically: a reader never sees half a page.
'@
    Parameters  = @{
        Path       = 'The HTML file to write.'
        BackupPath = 'The repository to report on. Defaults to BACKUP_DIR, or "data/backups" under the current location.'
        PassThru   = 'Write the HTML file''s object (FileInfo). Without it the command writes nothing.'
    }
    Outputs     = @{ FileInfo = 'With -PassThru, the HTML file that was written. Nothing otherwise.' }
    Examples    = @(
        @{ Title = 'Write the report'; Code = 'Export-JameyReport -BackupPath /backups/jamey -Path ./jamey3-health.html'; Remarks = 'Open jamey3-health.html in a browser, or attach it to a mail.' }
        @{ Title = 'See what would be written'; Code = 'Export-JameyReport -BackupPath /backups/jamey -Path ./jamey3-health.html -WhatIf'; Remarks = 'Nothing is written.' }
    )
    Links       = @('Export-JameyMetrics', 'Get-JameyBackup')
}
