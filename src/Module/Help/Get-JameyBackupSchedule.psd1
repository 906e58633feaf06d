@{
    Synopsis    = 'Lists the Jamey3 backup schedules registered with the operating system''s scheduler.'
    Description = 'Get-JameyBackupSchedule reads the schedules Jamey3 installed (tagged crontab lines, jamey3-backup-* systemd timers, tasks in \Jamey3\, com.jamey3.backup.* launch agents) and writes one object per schedule: name, scheduler, trigger, next run times, the exact command and the log path. Entries that are not Jamey3''s are never listed or touched.'
    Parameters  = @{
        Name      = 'Only the schedules with these names; wildcards are allowed. A literal name that matches nothing is an error with the id ScheduleNotFound.'
        Scheduler = 'The scheduler to read: Auto (the one this machine uses), Cron, Systemd, TaskScheduler or Launchd.'
    }
    Outputs     = @{ JameyBackupSchedule = 'One object per schedule: Name, Scheduler, Trigger, NextRuns, Command, LogPath, ScriptPath, DataPath, BackupPath and the artifact paths.' }
    Examples    = @(
        @{ Title = 'Every schedule'; Code = 'Get-JameyBackupSchedule'; Remarks = '' }
        @{ Title = 'When does it run next?'; Code = '(Get-JameyBackupSchedule -Name nightly).NextRuns'; Remarks = '' }
        @{ Title = 'Read the log of a schedule'; Code = 'Get-Content (Get-JameyBackupSchedule -Name nightly).LogPath -Tail 20'; Remarks = '' }
    )
    Links       = @('Register-JameyBackupSchedule', 'Unregister-JameyBackupSchedule')
}
