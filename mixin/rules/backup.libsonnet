// Generated into rules/backup.yml by mixin/Build-Mixin.ps1. Strings may hold @name@ placeholders,
// filled from config.libsonnet (see lib/rules.libsonnet).
// Alerts on Jamey3's own backup metrics (job jamey3-backup).
//
// The exporter publishes gauges in base units, and points in time as Unix
// timestamps (never as ages), so ages are computed here with time().
// A timestamp of 0 means "never". All jamey_backup_* series of one exporter
// carry the same labels, so they are combined with default (all-label)
// matching.
[
  {
    name: "backup",
    rules: [
      {
        record: "instance:jamey_backup_schedule_interval_seconds:or_default",
        expr: |||
          jamey_backup_schedule_interval_seconds
            or
          jamey_backup_last_success_timestamp_seconds * 0 + @defaultBackupIntervalSeconds@
        |||,
      },
      {
        record: "instance:jamey_backup_last_success_timestamp_seconds:age",
        expr: |||
          time() - jamey_backup_last_success_timestamp_seconds
            and
          jamey_backup_last_success_timestamp_seconds > 0
        |||,
      },
      {
        alert: "JameyBackupStale",
        expr: "instance:jamey_backup_last_success_timestamp_seconds:age > 2 * (instance:jamey_backup_schedule_interval_seconds:or_default + 3600)",
        'for': "5m",
        labels: {severity: "P1", component: "backup"},
        annotations: {
          summary: "No successful backup for more than two intervals on {{ $labels.instance }}",
          description: 'The last successful backup finished {{ $value | humanizeDuration }} ago, more than twice the backup interval of {{ with printf "instance:jamey_backup_schedule_interval_seconds:or_default{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeDuration }}{{ end }} plus 1h grace.',
          recovery_action: "Find out why scheduled backups fail or do not run, then take a backup now with New-JameyBackup and confirm it with Test-JameyBackup.",
        },
      },
      {
        alert: "JameyBackupStale",
        expr: "instance:jamey_backup_last_success_timestamp_seconds:age > instance:jamey_backup_schedule_interval_seconds:or_default + 3600",
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Backup overdue on {{ $labels.instance }}",
          description: 'The last successful backup finished {{ $value | humanizeDuration }} ago, longer than the backup interval of {{ with printf "instance:jamey_backup_schedule_interval_seconds:or_default{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeDuration }}{{ end }} plus 1h grace.',
          recovery_action: "Check the backup schedule and the last attempt's result; run New-JameyBackup if the schedule is broken.",
        },
      },
      {
        alert: "JameyBackupNeverSucceeded",
        expr: |||
          jamey_backup_last_success_timestamp_seconds == 0
            and jamey_backup_last_attempt_timestamp_seconds > 0
            unless jamey_backup_up == 0
        |||,
        'for': "5m",
        labels: {severity: "P1", component: "backup"},
        annotations: {
          summary: "Backups are attempted but none has ever succeeded on {{ $labels.instance }}",
          description: 'No backup in this repository has ever succeeded; the latest attempt was at {{ with printf "jamey_backup_last_attempt_timestamp_seconds{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}. There is nothing to restore from.',
          recovery_action: "Read the error of the failed attempts, fix it, and run New-JameyBackup until one succeeds.",
        },
      },
      {
        alert: "JameyBackupNeverSucceeded",
        expr: |||
          jamey_backup_last_success_timestamp_seconds == 0
            unless jamey_backup_up == 0
        |||,
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "No backup exists yet on {{ $labels.instance }}",
          description: "No backup in this repository has ever succeeded. There is nothing to restore from.",
          recovery_action: "Register the backup schedule if it is missing and take a first backup with New-JameyBackup.",
        },
      },
      {
        alert: "JameyBackupFailed",
        expr: |||
          jamey_backup_last_run_success == 0
            unless jamey_backup_last_attempt_timestamp_seconds == 0
        |||,
        'for': "1m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "The latest backup run failed on {{ $labels.instance }}",
          description: 'The backup attempt at {{ with printf "jamey_backup_last_attempt_timestamp_seconds{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ end }} failed.',
          recovery_action: "Read the failed run's error in the task or job log, fix the cause and run New-JameyBackup again.",
        },
      },
      {
        alert: "JameyBackupVerifyFailed",
        expr: |||
          jamey_backup_last_verify_success == 0
            unless jamey_backup_last_verify_timestamp_seconds == 0
        |||,
        'for': "1m",
        labels: {severity: "P1", component: "backup"},
        annotations: {
          summary: "Backup verification failed on {{ $labels.instance }}",
          description: 'The verification at {{ with printf "jamey_backup_last_verify_timestamp_seconds{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ end }} found a backup that cannot be trusted for a restore.',
          recovery_action: "Run Test-JameyBackup on the newest backups to find which are damaged, take a fresh backup and verify it.",
        },
      },
      {
        alert: "JameyBackupRepositoryUnreadable",
        expr: "jamey_backup_up == 0",
        'for': "5m",
        labels: {severity: "P1", component: "backup"},
        annotations: {
          summary: "Backup repository unreadable on {{ $labels.instance }}",
          description: "The exporter has been unable to read the backup repository for 5 minutes; backups can neither be listed nor restored.",
          recovery_action: "Check that the backup directory exists, is mounted and readable by the exporter's account; repair access.",
        },
      },
      {
        alert: "JameyBackupNoneRetained",
        expr: |||
          jamey_backup_retained == 0
            and jamey_backup_last_success_timestamp_seconds > 0
            unless jamey_backup_up == 0
        |||,
        'for': "5m",
        labels: {severity: "P1", component: "backup"},
        annotations: {
          summary: "Backup repository empty on {{ $labels.instance }}",
          description: 'Backups have succeeded before, the last at {{ with printf "jamey_backup_last_success_timestamp_seconds{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}, but the repository now holds none.',
          recovery_action: "Stop retention runs, find what deleted the backups, and take a new backup with New-JameyBackup.",
        },
      },
      {
        alert: "JameyBackupSizeDrop",
        expr: |||
          jamey_backup_last_size_bytes / (max_over_time(jamey_backup_last_size_bytes[7d]) > 0) < 0.5
            and jamey_backup_last_run_success == 1
        |||,
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Backup size dropped sharply on {{ $labels.instance }}",
          description: 'The last backup is {{ with printf "jamey_backup_last_size_bytes{job=%q,instance=%q}" $labels.job $labels.instance | query }}{{ . | first | value | humanize1024 }}B{{ end }}, only {{ $value | humanizePercentage }} of the largest backup in the last 7 days.',
          recovery_action: "Compare the newest backups' contents; find out whether source data was lost or the backup left components out before the older backups age out.",
        },
      },
      // Off-site copies: one series per destination label, so every expression is per destination.
      {
        alert: "JameyBackupCopyStale",
        expr: |||
          jamey_backup_copy_behind_backups > @copyStaleBehindBackups@
            and (
              time() - jamey_backup_copy_last_success_timestamp_seconds > @copyStaleSeconds@
                or jamey_backup_copy_last_success_timestamp_seconds == 0
            )
        |||,
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Off-site copy to {{ $labels.destination }} is stale on {{ $labels.instance }}",
          description: "The destination {{ $labels.destination }} lacks {{ $value }} of this repository's backups, and no copy to it has succeeded for more than {{ @copyStaleSeconds@ | humanizeDuration }}. A disaster on this host would lose everything since its last good copy.",
          recovery_action: "Find out why copies to this destination do not run or fail (schedule log, Copy-JameyBackup -Verbose), fix it, and run Copy-JameyBackup to it now.",
        },
      },
      {
        alert: "JameyBackupCopyFailing",
        expr: "jamey_backup_copy_last_run_success == 0",
        'for': "@copyFailingFor@",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Off-site copy to {{ $labels.destination }} is failing on {{ $labels.instance }}",
          description: 'The last copy run to {{ $labels.destination }}, at {{ with printf "jamey_backup_copy_last_attempt_timestamp_seconds{job=%q,instance=%q,destination=%q}" $labels.job $labels.instance $labels.destination | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}, did not succeed, and none has succeeded since.',
          recovery_action: "Read the copy's error (LastError in the repository's state/copies/ file, or the schedule log), fix it (credentials, network, the destination's space), and run Copy-JameyBackup to it again.",
        },
      },
      {
        alert: "JameyBackupMetricsAbsent",
        expr: 'absent(jamey_backup_up{@backup@}) and on () (up{@backup@} == 1)',
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Backup exporter answers without backup metrics",
          description: "The @backupJob@ target is scraped successfully but has exposed no jamey_backup_up for 5 minutes, so no backup alert can fire.",
          recovery_action: "Check that the process on the target is Jamey3's metrics endpoint (Start-JameyMetrics) and that it points at the backup repository.",
        },
      },
      {
        alert: "JameyBackupExporterDown",
        expr: 'up{@backup@} == 0',
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "Backup metrics endpoint {{ $labels.instance }} is down",
          description: "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for more than 5 minutes; backup health is not watched.",
          recovery_action: "Restart the Jamey3 metrics endpoint (Start-JameyMetrics) and confirm its /metrics answers.",
        },
      },
      {
        alert: "JameyBackupExporterAbsent",
        expr: 'absent(up{@backup@})',
        'for': "5m",
        labels: {severity: "P2", component: "backup"},
        annotations: {
          summary: "No scrape target for the backup metrics",
          description: "Prometheus has had no target for job @backupJob@ for 5 minutes; backup health is not watched.",
          recovery_action: "Restore the @backupJob@ scrape job in the Prometheus configuration and reload Prometheus.",
        },
      },
    ],
  },
]
