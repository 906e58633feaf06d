@{
    Synopsis    = 'Writes the backup metrics to a file for node_exporter''s textfile collector.'
    Description = @'
Export-JameyMetrics writes the same metrics Start-JameyMetrics serves, in the Prometheus text format, to a file, atomically: the text goes to a temporary file beside the target, is flushed, and is renamed over it, so node_exporter's textfile collector never reads half a file. Use it at the end of scheduled runs on machines without a long-lived exporter (Register-JameyBackupSchedule -MetricsTextFile does this).

When the repository cannot be read the file still gets written, with jamey_backup_up 0, and a warning is written.
'@
    Parameters  = @{
        Path       = 'The file to write, normally in the textfile collector''s directory and ending in .prom.'
        BackupPath = 'The repository to report on. Defaults to BACKUP_DIR, or "data/backups" under the current location.'
        PassThru   = 'Write the FileInfo of the file written. Without it the command writes nothing.'
    }
    Outputs     = @{ FileInfo = 'With -PassThru, the metrics file that was written. Nothing otherwise.' }
    Examples    = @(
        @{ Title = 'Write the metrics for node_exporter'; Code = 'Export-JameyMetrics -BackupPath /backups/jamey -Path /var/lib/prometheus/node-exporter/jamey3.prom'; Remarks = 'Point node_exporter''s --collector.textfile.directory at that folder.' }
    )
    Links       = @('Start-JameyMetrics', 'Register-JameyBackupSchedule')
}
