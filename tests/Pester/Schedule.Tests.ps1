# Scheduled backups on a real cron daemon, with the real module, on generated data.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'schedule'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    $badRepo = Join-Path $root 'repo-bad'
    $textfile = Join-Path $root 'textfile/jamey3.prom'

    # Keep whatever crontab root had, and put a user line in it that must survive.
    $savedCrontab = & crontab -l 2>$null
    $hadCrontab = $LASTEXITCODE -eq 0
    $userLine = '17 4 * * * /bin/true # a line of the user''s own'
    (@('# my crontab', 'MAILTO=""', $userLine) -join "`n") + "`n" | & crontab -
    $userCrontab = (& crontab -l) -join "`n"

    # systemd is not PID 1 here: start cron ourselves, unless one already runs.
    $cronProcess = $null
    if (-not (Get-Process cron -ErrorAction Ignore)) {
        $cronProcess = Start-Process cron -ArgumentList '-f' -PassThru
        Start-Sleep -Seconds 1
    }
}
AfterAll {
    Get-JameyBackupSchedule -Scheduler Cron -ErrorAction Ignore | Unregister-JameyBackupSchedule -Confirm:$false -ErrorAction Ignore | Out-Null
    if ($hadCrontab) { ($savedCrontab -join "`n") + "`n" | & crontab - } else { & crontab -r 2>$null }
    if ($cronProcess) { $cronProcess.Kill(); $cronProcess.WaitForExit() }
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Register-JameyBackupSchedule with cron' {
    It 'shows the exact crontab line with -WhatIf and installs nothing' {
        # What-if text goes to the host, so read it from a child pwsh's output.
        $out = Invoke-ChildPwsh -Script "Register-JameyBackupSchedule -Name whatif -EveryHours 6 -DataPath '$data' -BackupPath '$repo' -Scheduler Cron -WhatIf" | Out-String
        $out | Should -Match '# jamey3:schedule=whatif'
        $out | Should -Match '0 \*/6 \* \* \* '
        ((& crontab -l) -join "`n") | Should -Be $userCrontab
    }

    It 'rejects triggers it cannot honour, and registers nothing' -TestCases @(
        @{ Arguments = @{ DailyAt = '25:00' } }
        @{ Arguments = @{ WeeklyOn = @(); At = '03:00' } }
        @{ Arguments = @{ CronExpression = '0 3 1 * 1' } }
        @{ Arguments = @{ EveryHours = 5 } }
        @{ Arguments = @{ CronExpression = 'not a cron line' } }
    ) {
        $err = { Register-JameyBackupSchedule -Name bad -DataPath $data -BackupPath $repo -Scheduler Cron @Arguments -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidScheduleTrigger,*'
        $err.CategoryInfo.Category | Should -Be InvalidArgument
        ((& crontab -l) -join "`n") | Should -Be $userCrontab
    }

    It 'warns when the schedule''s pwsh lives in a package cache, and runs an installed pwsh or the one -PwshPath names' {
        $cached = (Get-PwshCommand)[-1]   # this session's pwsh.dll, in the NuGet cache of the local dotnet tool
        $w = $null
        Register-JameyBackupSchedule -Name cached -EveryHours 6 -DataPath $data -BackupPath $repo -Scheduler Cron -PwshPath $cached -WhatIf -WarningVariable w -WarningAction SilentlyContinue
        ($w -join ' ') | Should -Match 'package cache'
        ($w -join ' ') | Should -Match ([regex]::Escape($cached))

        # A pwsh that stays where it is (here a stand-in: -WhatIf never starts it): no warning, and the crontab line runs it.
        $stable = Join-Path $root 'bin/pwsh'
        New-Item -ItemType Directory (Split-Path $stable) -Force | Out-Null
        Set-Content $stable "#!/bin/sh`nexit 0"
        & chmod +x $stable
        $out = Invoke-ChildPwsh -Script "Register-JameyBackupSchedule -Name stable -EveryHours 6 -DataPath '$data' -BackupPath '$repo' -Scheduler Cron -PwshPath '$stable' -WhatIf 3>&1" | Out-String
        $out | Should -Match "(?m)^0 \*/6 \* \* \* .*$([regex]::Escape($stable))"
        $out | Should -Not -Match 'package cache'
        $out | Should -Not -Match 'pwsh\.dll'

        # By default, a session running from a package cache schedules the installed pwsh it finds on PATH.
        $path = "$(Split-Path $stable)$([IO.Path]::PathSeparator)$env:PATH"
        $out = Invoke-ChildPwsh -Environment @{ PATH = $path } -Script "Register-JameyBackupSchedule -Name default -EveryHours 6 -DataPath '$data' -BackupPath '$repo' -Scheduler Cron -WhatIf 3>&1" | Out-String
        $out | Should -Match "(?m)^0 \*/6 \* \* \* .*$([regex]::Escape($stable))"
        $out | Should -Not -Match 'package cache'
        ((& crontab -l) -join "`n") | Should -Be $userCrontab
    }

    It 'runs every minute under cron: a verified backup, a log entry and the recorded outcome; a run without data fails loudly' {
        # The cached pwsh of this session, named explicitly: registered, with a warning that it may go away.
        $pwsh = (Get-PwshCommand)[-1]
        $good = Register-JameyBackupSchedule -Name every-minute -CronExpression '* * * * *' -DataPath $data -BackupPath $repo -Verify -MetricsTextFile $textfile -Scheduler Cron -PwshPath $pwsh -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join ' ') | Should -Match 'package cache'
        # The failed run is recorded in an existing repository (a missing one is not created for a missing data directory).
        New-Item -ItemType Directory $badRepo -Force | Out-Null
        $bad = Register-JameyBackupSchedule -Name no-data -CronExpression '* * * * *' -DataPath (Join-Path $root 'missing') -BackupPath $badRepo -Scheduler Cron -PwshPath $pwsh -WarningAction SilentlyContinue
        $good | Should -BeOfType Jamey3.JameyBackupSchedule
        $good.Scheduler | Should -Be Cron
        $good.NextRuns.Count | Should -Be 5
        $good.Command | Should -Not -BeNullOrEmpty
        { Register-JameyBackupSchedule -Name every-minute -CronExpression '* * * * *' -DataPath $data -BackupPath $repo -Scheduler Cron -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScheduleExists,*'
        (Get-JameyBackupSchedule -Scheduler Cron).Name | Should -Be @('every-minute', 'no-data')

        $deadline = [DateTime]::UtcNow.AddMinutes(3)
        $backup = $null; $badRecorded = $false
        while ([DateTime]::UtcNow -lt $deadline -and -not ($backup -and $badRecorded -and (Test-Path $textfile))) {
            Start-Sleep -Seconds 5
            # The repository exists once cron's first run has made it; before that, Get-JameyBackup rightly says it is missing.
            $backup = if (Test-Path $repo) { Get-JameyBackup -BackupPath $repo -Status Complete | Select-Object -First 1 }
            $badRecorded = (Test-Path "$badRepo/state/history.json") -and
                ((Get-Content "$badRepo/state/history.json" -Raw | ConvertFrom-Json).latest.Backup.lastRun.outcome -eq 'InvalidRequest')
        }
        $backup | Should -Not -BeNullOrEmpty -Because "cron should have run the schedule; log: $(Get-Content $good.LogPath -Raw -ErrorAction Ignore)"
        (Test-JameyBackup -InputObject $backup).Passed | Should -BeTrue
        $history = Get-Content "$repo/state/history.json" -Raw | ConvertFrom-Json
        $history.latest.Backup.lastSuccess.backupId | Should -Not -BeNullOrEmpty
        $history.latest.Verify.lastAttempt.success | Should -BeTrue      # -Verify ran in the scheduled run
        $log = Get-Content $good.LogPath -Raw
        $log | Should -Match "Schedule 'every-minute' succeeded"
        Get-Content $textfile -Raw | Should -Match '(?m)^jamey_backup_last_run_success 1$'

        $badRecorded | Should -BeTrue
        Get-Content $bad.LogPath -Raw | Should -Match "Schedule 'no-data' failed: .*does not exist"
        # Running the schedule's command by hand gives the same result: exit code 1, failure logged and recorded.
        $cmd = $bad.CommandArguments
        & $cmd[0] @($cmd | Select-Object -Skip 1) | Out-Null
        $LASTEXITCODE | Should -Be 1
    }

    It 'unregisters exactly its own entries and leaves the user''s crontab line intact' {
        Get-JameyBackupSchedule -Scheduler Cron | Unregister-JameyBackupSchedule -Confirm:$false | Out-Null
        Get-JameyBackupSchedule -Scheduler Cron | Should -BeNullOrEmpty
        $now = (& crontab -l) -join "`n"
        $now | Should -Be $userCrontab
        $now | Should -Not -Match 'jamey3:schedule'
    }
}
