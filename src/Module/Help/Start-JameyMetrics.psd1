@{
    Synopsis    = 'Serves the health of a Jamey3 backup repository as Prometheus metrics.'
    Description = @'
Start-JameyMetrics starts an HTTP endpoint (prometheus-net, a registry holding only Jamey3's metrics) that reads the backup repository at every scrape, so backups, verifications, restores and retention runs made by other processes, such as scheduled tasks, show up at once and survive exporter restarts.

The metrics are gauges in base units, times as Unix timestamps: jamey_backup_last_success_timestamp_seconds, jamey_backup_last_attempt_timestamp_seconds, jamey_backup_last_run_success, jamey_backup_last_duration_seconds, jamey_backup_last_size_bytes, jamey_backup_last_verify_timestamp_seconds, jamey_backup_last_verify_success, jamey_backup_retained, jamey_backup_repository_size_bytes, jamey_backup_staging_size_bytes, jamey_backup_rollback_size_bytes, jamey_backup_schedule_interval_seconds, and jamey_backup_up, which is 0 when the repository could not be read at that scrape. The alert rules in rules/backup.yml are written against them.

By default the endpoint listens on 127.0.0.1 only, on port 9469, and runs in the background of the session: the command returns an object describing it, and Stop-JameyMetrics stops it. With -Wait it blocks until Ctrl+C, for use as a service. A port already in use is an error with the id MetricsPortInUse.
'@
    Parameters  = @{
        BackupPath    = 'The repository to report on. Defaults to BACKUP_DIR, or "data/backups" under the current location.'
        Port          = 'The TCP port to listen on. Default 9469.'
        ListenAddress = 'The address to listen on. Default 127.0.0.1 (this machine only). Binding other interfaces is an explicit choice: an address of this machine, or + (or 0.0.0.0) for every IPv4 interface. On Windows, addresses other than localhost need a URL reservation (netsh http add urlacl).'
        Wait          = 'Block until Ctrl+C instead of returning, then stop the endpoint. For running the exporter as a service.'
    }
    Outputs     = @{ JameyMetricsEndpoint = 'The running endpoint: Url, Host, Port, RepositoryPath, StartedAt.' }
    Examples    = @(
        @{ Title = 'Serve metrics in the background'; Code = "Start-JameyMetrics -BackupPath /backups/jamey`nInvoke-RestMethod http://127.0.0.1:9469/metrics"; Remarks = 'Returns the endpoint (Url, Host, Port, RepositoryPath, StartedAt).' }
        @{ Title = 'Run as a service'; Code = "pwsh -NoProfile -NonInteractive -Command `"Import-Module Jamey3; Start-JameyMetrics -BackupPath /backups/jamey -Wait`""; Remarks = 'Blocks until stopped; suitable for a systemd service or a Windows service wrapper.' }
        @{ Title = 'Listen on every interface, another port'; Code = 'Start-JameyMetrics -ListenAddress + -Port 9470'; Remarks = 'Make sure a firewall limits who can reach it.' }
    )
    Links       = @('Stop-JameyMetrics', 'Export-JameyMetrics', 'about_Jamey3')
}
