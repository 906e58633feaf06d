@{
    Synopsis    = 'Removes Jamey3 backup schedules from the operating system''s scheduler.'
    Description = 'Unregister-JameyBackupSchedule removes exactly what Register-JameyBackupSchedule installed for each named schedule (its tagged crontab line, its units, its task or its launch agent, and its run script), leaving every other entry, a user''s own crontab lines included, as it was. It asks for confirmation (ConfirmImpact High); use -Confirm:$false in automation. It accepts the objects Get-JameyBackupSchedule writes.'
    Parameters  = @{
        Name      = 'The names of the schedules to remove. Binds from the Name property of piped schedule objects.'
        Scheduler = 'The scheduler that holds them: Auto, Cron, Systemd, TaskScheduler or Launchd. Binds from the Scheduler property of piped schedule objects.'
    }
    Outputs     = @{ JameyBackupSchedule = 'Each schedule that was removed.' }
    Examples    = @(
        @{ Title = 'Remove one schedule'; Code = 'Unregister-JameyBackupSchedule -Name nightly'; Remarks = 'Asks for confirmation first.' }
        @{ Title = 'Remove every Jamey3 schedule without prompting'; Code = 'Get-JameyBackupSchedule | Unregister-JameyBackupSchedule -Confirm:$false'; Remarks = '' }
        @{ Title = 'See what would be removed'; Code = 'Get-JameyBackupSchedule | Unregister-JameyBackupSchedule -WhatIf'; Remarks = '' }
    )
    Links       = @('Register-JameyBackupSchedule', 'Get-JameyBackupSchedule')
}
