// Backup health: every panel reads jamey_backup_* (Start-JameyMetrics or the textfile) or the
// recording rules on them. The off-site copy panels have one series per destination (label destination).
local d = import '../lib/dashboard.libsonnet';
function(cfg)
  d.dashboard('jamey3-backup', 'Jamey3 / Backup health',
              'Backups of the Jamey 3.0 data directory: freshness, outcome, duration, size, verification, restores and retention.',
              ['jamey3', 'backup'], [
    d.stat(cfg, 'Since the last good backup', 'Time since the last successful backup completed (instance:jamey_backup_last_success_timestamp_seconds:age). Alert JameyBackupStale at one interval plus 1h.',
           [['instance:jamey_backup_last_success_timestamp_seconds:age', '{{instance}}']], 's'),
    d.stat(cfg, 'Last backup run', 'Outcome of the latest backup attempt.', [['jamey_backup_last_run_success', '{{instance}}']], 'none', d.okFailed('succeeded', 'failed')),
    d.stat(cfg, 'Last verification', 'Outcome of the latest Test-JameyBackup.', [['jamey_backup_last_verify_success', '{{instance}}']], 'none', d.okFailed('sound', 'failed')),
    d.stat(cfg, 'Repository', 'Whether the exporter could read the repository at the last scrape.', [['jamey_backup_up', '{{instance}}']], 'none', d.okFailed('readable', 'unreadable')),
    d.timeseries(cfg, 'Backup duration', 'How long the last successful backup took.', [['jamey_backup_last_duration_seconds', '{{instance}}']], 's'),
    d.timeseries(cfg, 'Data backed up against bytes stored',
                 'Jamey data in the last backup (before compression) against the bytes the whole repository takes on disk, where unchanged files and chunks are shared between backups and counted once.',
                 [['jamey_backup_last_size_bytes', 'data in the last backup'], ['jamey_backup_repository_size_bytes', 'repository on disk']], 'bytes'),
    d.timeseries(cfg, 'Backups retained', 'Complete backups in the repository; retention removes the oldest.', [['jamey_backup_retained', '{{instance}}']], 'none', 8),
    d.stat(cfg, 'Last verification at', 'When Test-JameyBackup last finished.', [['jamey_backup_last_verify_timestamp_seconds * 1000', '{{instance}}']], 'dateTimeFromNow', d.never, 8, 4),
    d.stat(cfg, 'Last restore at', 'When Restore-JameyBackup last finished.', [['jamey_backup_last_restore_timestamp_seconds * 1000', '{{instance}}']], 'dateTimeFromNow', d.never, 8, 4),
    d.stat(cfg, 'Last restore', 'Outcome of the latest restore (0 also while none was ever run).', [['jamey_backup_last_restore_success', '{{instance}}']], 'none', d.okFailed('succeeded', 'failed or none'), 8, 4),
    d.stat(cfg, 'Last retention run at', 'When the last retention run finished.', [['jamey_backup_last_retention_timestamp_seconds * 1000', '{{instance}}']], 'dateTimeFromNow', d.never, 8, 4),
    d.stat(cfg, 'Last retention run', 'Outcome of the latest retention run (0 also while none was ever run).', [['jamey_backup_last_retention_success', '{{instance}}']], 'none', d.okFailed('succeeded', 'failed or none'), 8, 4),
    d.timeseries(cfg, 'Outcomes over time', 'Backup runs and verifications: 1 succeeded, 0 failed.',
                 [['jamey_backup_last_run_success', 'backup'], ['jamey_backup_last_verify_success', 'verification']], 'none', 24, 6),
    d.stat(cfg, 'Since the last off-site copy', 'Time since the last successful Copy-JameyBackup to each destination. Alert JameyBackupCopyStale after 2 days while it lacks more than one backup.',
           [['time() - jamey_backup_copy_last_success_timestamp_seconds and jamey_backup_copy_last_success_timestamp_seconds > 0', '{{destination}}']], 's', [], 8, 4),
    d.stat(cfg, 'Last copy run', 'Outcome of the latest copy run to each destination. Alert JameyBackupCopyFailing after 30 minutes without success.',
           [['jamey_backup_copy_last_run_success', '{{destination}}']], 'none', d.okFailed('succeeded', 'failed'), 8, 4),
    d.timeseries(cfg, 'Backups not yet off-site', 'Complete backups each destination lacks (newer than the oldest it holds); jamey_backup_copy_behind_bytes has their stored bytes.',
                 [['jamey_backup_copy_behind_backups', '{{destination}} backups']], 'none', 8, 4),
  ])
