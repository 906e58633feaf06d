@{
    Synopsis    = 'Schedules backups on the operating system''s own scheduler.'
    Description = @'
Register-JameyBackupSchedule installs a named schedule that backs up -DataPath into -BackupPath, then applies retention (days and count), optionally verifies the new backup and writes textfile metrics. It uses the operating system's scheduler, so schedules survive reboots and do not depend on a running session: on Linux a tagged crontab line (Jamey3 only ever touches its own lines) or, when systemd runs, a oneshot service with a timer (Persistent=true, so a missed run happens at boot); on Windows a task in the \Jamey3\ folder of the Task Scheduler, from Task Scheduler XML; on macOS a launchd agent. -Scheduler overrides the detected one.

Each run executes a generated script with pwsh -NoProfile -NonInteractive: no prompt, exit code 1 on failure, every line appended with a timestamp to the log file the schedule object names. The outcome is recorded in the repository like any other run, so Start-JameyMetrics and the alert rules see scheduled failures. The schedule's Command property is the exact command the scheduler runs: running it by hand gives the same result.

The pwsh a schedule runs must stay where it is for as long as the schedule exists. By default it is the pwsh running the command; when that one lives in a package cache (a dotnet tool runs from ~/.nuget/packages or ~/.dotnet/tools/.store, which a cache clean or a tool update removes), an installed pwsh found on PATH is used instead. -PwshPath names one explicitly. A schedule whose pwsh is in a package cache is still registered, with a warning (shown under -WhatIf too).

The trigger is every N hours (default BACKUP_INTERVAL_HOURS), daily at a time, weekly on days at a time, or a cron expression. What a scheduler cannot express exactly is refused with the error id InvalidScheduleTrigger, never approximated: for example an interval that does not divide a day on cron, or a cron expression restricting both day-of-month and day-of-week (cron ORs them, other schedulers AND them). Registering an existing name needs -Force. -WhatIf shows every artifact that would be installed (crontab line, unit files, task XML, plist), verbatim.
'@
    Parameters  = @{
        Name            = 'The schedule''s name: letters, digits, - and _, up to 64 characters. Several named schedules can coexist.'
        EveryHours      = 'Run every this many hours, from midnight. Defaults to BACKUP_INTERVAL_HOURS (24).'
        DailyAt         = 'Run once a day at this local time (HH:mm).'
        WeeklyOn        = 'Run on these days of the week (with -At).'
        At              = 'The local time (HH:mm) for -WeeklyOn.'
        CronExpression  = 'A five-field cron expression (minute hour day-of-month month day-of-week).'
        DataPath        = 'The Jamey data directory to back up. Defaults to JAMEY_DATA_DIR; stored as an absolute path.'
        BackupPath      = 'The repository. Defaults to BACKUP_DIR; stored as an absolute path.'
        Verify          = 'Verify each new backup fully; a failed verification makes the run fail.'
        RetentionDays   = 'Retention: remove backups older than this many days. Defaults to BACKUP_RETENTION_DAYS, read now (schedulers run with an almost empty environment).'
        MaxBackups      = 'Retention: keep at most this many backups. Defaults to BACKUP_MAX_BACKUPS, read now.'
        NoRetention     = 'Do not apply retention after the backup.'
        CopyTo          = 'Off-site destinations (folders, or azure://, s3://, sftp:// URLs) that each run copies the repository to with Copy-JameyBackup after the backup and retention succeeded; every destination is tried, and the run fails if any copy fails. Locations only: a URL with a password or a query string (a SAS token) is refused. Credentials come from where each SDK looks in the scheduler''s environment (for example AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials, AZURE_STORAGE_CONNECTION_STRING, an SSH key in ~/.ssh).'
        MetricsTextFile = 'After each run, successful or not, write the metrics to this file for node_exporter''s textfile collector.'
        LogPath         = 'The log file each run appends to. Defaults to a file in the per-user state folder (~/.local/state/jamey3/logs on Linux).'
        Scheduler       = 'Auto (the default: systemd when it runs, else cron; Task Scheduler on Windows; launchd on macOS), Cron, Systemd, TaskScheduler or Launchd.'
        Force           = 'Replace a schedule of the same name.'
        PwshPath        = 'The pwsh each run starts: an executable (/usr/bin/pwsh, C:\Program Files\PowerShell\7\pwsh.exe) or a pwsh.dll, which runs through the dotnet host. Defaults to the running pwsh, or to an installed pwsh on PATH when the running one lives in a package cache. A pwsh in a package cache gives a warning.'
    }
    Outputs     = @{ JameyBackupSchedule = 'The registered schedule, with its next five runs, its exact command and its log path.' }
    Examples    = @(
        @{ Title = 'Back up every 6 hours'; Code = 'Register-JameyBackupSchedule -Name jamey -EveryHours 6 -DataPath /srv/jamey/data -BackupPath /backups/jamey -Verify'; Remarks = 'Writes the schedule, with its next five runs, its command and its log path.' }
        @{ Title = 'Nightly at 02:30 with textfile metrics'; Code = 'Register-JameyBackupSchedule -Name nightly -DailyAt 02:30 -MetricsTextFile /var/lib/node_exporter/jamey3.prom'; Remarks = '' }
        @{ Title = 'Weekly, and see what would be installed'; Code = 'Register-JameyBackupSchedule -Name weekly -WeeklyOn Monday, Thursday -At 03:00 -WhatIf'; Remarks = 'Prints the crontab line (or unit files, task XML, plist) exactly as it would be installed; changes nothing.' }
        @{ Title = 'Nightly with an off-site copy'; Code = 'Register-JameyBackupSchedule -Name nightly -DailyAt 02:30 -CopyTo s3://jamey-offsite/host1'; Remarks = 'After each backup the run copies to the bucket; the metrics then show the copy (jamey_backup_copy_*).' }
        @{ Title = 'A cron expression'; Code = 'Register-JameyBackupSchedule -Name workdays -CronExpression ''15 1 * * 1-5'' -Scheduler Cron'; Remarks = '' }
        @{ Title = 'Run a schedule by hand'; Code = "`$s = Get-JameyBackupSchedule -Name jamey`n& `$s.CommandArguments[0] `$s.CommandArguments[1..(`$s.CommandArguments.Count - 1)]"; Remarks = 'Runs exactly what the scheduler runs, with the same log and exit code; in a POSIX shell, pasting $s.Command does the same.' }
    )
    Links       = @('Get-JameyBackupSchedule', 'Unregister-JameyBackupSchedule', 'New-JameyBackup', 'Remove-JameyBackup')
}
