BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'remove'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $template = Join-Path $root 'template'
    1..6 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $template -Full } | Out-Null

    # A repository whose six backups were taken 1, 5, 10, 20, 40 and 60 days ago: each backup is
    # renamed to the id of its crafted time and its manifest says so.
    function New-AgedRepository([string] $name) {
        $repo = Join-Path $root $name
        Copy-Item $template $repo -Recurse
        Remove-Item "$repo/state" -Recurse -Force -ErrorAction Ignore
        $ages = 60, 40, 20, 10, 5, 1
        $folders = Get-ChildItem "$repo/backups" -Directory | Sort-Object Name
        $ids = @{}
        for ($i = 0; $i -lt 6; $i++) {
            $t = [DateTimeOffset]::UtcNow.AddDays(-$ages[$i])
            $id = $t.UtcDateTime.ToString('yyyyMMdd-HHmmss-fff')
            $m = Get-Content (Join-Path $folders[$i].FullName 'manifest.json') -Raw | ConvertFrom-Json -DateKind String
            $m.backupId = $id
            $m.createdAt = $t.ToString('o'); $m.completedAt = $t.AddSeconds(1).ToString('o')
            $m | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $folders[$i].FullName 'manifest.json')
            Rename-Item $folders[$i].FullName $id
            $ids[$ages[$i]] = $id
        }
        [pscustomobject]@{ Path = $repo; Ids = $ids }
    }
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Remove-JameyBackup' {
    It 'removes nothing with -WhatIf in a pipeline' {
        $r = New-AgedRepository 'whatif'
        $out = Invoke-ChildPwsh -Script "Get-JameyBackup -BackupPath '$($r.Path)' | Select-Object -Skip 3 | Remove-JameyBackup -WhatIf" | Out-String
        foreach ($age in 20, 40, 60) { $out | Should -Match $r.Ids[$age] }
        $out | Should -Not -Match $r.Ids[1]
        @(Get-JameyBackup -BackupPath $r.Path).Count | Should -Be 6
    }

    It 'changes nothing with -WhatIf when the policy removes nothing' {
        $r = New-AgedRepository 'whatif-nothing'
        New-Item -ItemType Directory (Join-Path $r.Path 'trash/20200101-000000-000') -Force | Out-Null
        Remove-JameyBackup -BackupPath $r.Path -Retention -RetentionDays 0 -MaxBackups 100 -WhatIf | Should -BeNullOrEmpty
        Join-Path $r.Path 'trash/20200101-000000-000' | Should -Exist
        Join-Path $r.Path 'state/history.json' | Should -Not -Exist
        # Without -WhatIf the same run cleans the leftover and records a retention run.
        Remove-JameyBackup -BackupPath $r.Path -Retention -RetentionDays 0 -MaxBackups 100 -Confirm:$false | Should -BeNullOrEmpty
        Join-Path $r.Path 'trash/20200101-000000-000' | Should -Not -Exist
        (Get-Content (Join-Path $r.Path 'state/history.json') -Raw | ConvertFrom-Json).latest.Retention.lastAttempt.success | Should -BeTrue
    }

    It 'removes piped and named backups, listing what it removed' {
        $r = New-AgedRepository 'named'
        $removed = Get-JameyBackup -BackupPath $r.Path | Select-Object -Skip 4 | Remove-JameyBackup -Confirm:$false -PassThru
        $removed | ForEach-Object { $_ | Should -BeOfType Jamey3.JameyRetentionDecision; $_.Removed | Should -BeTrue }
        $removed.BackupId | Should -Be @($r.Ids[40], $r.Ids[60])
        (Get-JameyBackup -BackupPath $r.Path).BackupId | Should -Be @($r.Ids[1], $r.Ids[5], $r.Ids[10], $r.Ids[20])
        Remove-JameyBackup -BackupPath $r.Path -BackupId $r.Ids[20] -Confirm:$false -PassThru | Select-Object -ExpandProperty BackupId | Should -Be $r.Ids[20]
        Test-Path (Join-Path $r.Path 'trash/*') | Should -BeFalse
    }

    It 'keeps exactly what the policy of the environment says, and never the newest verified backup' {
        $r = New-AgedRepository 'env'
        (Test-JameyBackup -BackupPath $r.Path -BackupId $r.Ids[20] -Quick).Passed | Should -BeTrue   # the newest verified backup
        $out = Invoke-ChildPwsh -Environment @{ BACKUP_RETENTION_DAYS = '15'; BACKUP_MAX_BACKUPS = '3' } -Script @"
Remove-JameyBackup -BackupPath '$($r.Path)' -Retention -Confirm:`$false -PassThru | ForEach-Object { 'removed ' + `$_.BackupId }
"@
        $LASTEXITCODE | Should -Be 0
        ($out | Where-Object { $_ -like 'removed *' }) | Should -Be @("removed $($r.Ids[40])", "removed $($r.Ids[60])")
        (Get-JameyBackup -BackupPath $r.Path).BackupId | Should -Be @($r.Ids[1], $r.Ids[5], $r.Ids[10], $r.Ids[20])
    }

    It 'keeps exactly what the parameters say, which override the environment' {
        $r = New-AgedRepository 'params'
        Test-JameyBackup -BackupPath $r.Path -BackupId $r.Ids[20] -Quick | Out-Null
        $env:BACKUP_MAX_BACKUPS = '10'; $env:BACKUP_RETENTION_DAYS = '30'
        try { $removed = Remove-JameyBackup -BackupPath $r.Path -Retention -MaxBackups 2 -RetentionDays 0 -Confirm:$false -PassThru }
        finally { Remove-Item env:BACKUP_MAX_BACKUPS, env:BACKUP_RETENTION_DAYS }
        ($removed.BackupId | Sort-Object) | Should -Be (@($r.Ids[10], $r.Ids[40], $r.Ids[60]) | Sort-Object)
        (Get-JameyBackup -BackupPath $r.Path).BackupId | Should -Be @($r.Ids[1], $r.Ids[5], $r.Ids[20])
    }

    It 'applies the defaults (30 days, 10 backups) when nothing is set' {
        $r = New-AgedRepository 'defaults'
        $removed = Remove-JameyBackup -BackupPath $r.Path -Retention -Confirm:$false -PassThru
        ($removed.BackupId | Sort-Object) | Should -Be (@($r.Ids[40], $r.Ids[60]) | Sort-Object)
    }

    It 'removes staging leftovers of dead runs, -IncludeIncomplete or not' {
        $r = New-AgedRepository 'leftovers'
        New-Item -ItemType Directory (Join-Path $r.Path 'staging/20200101-000000-000/files') -Force | Out-Null
        Set-Content (Join-Path $r.Path 'staging/20200101-000000-000/.snapshot.db') ('x' * 100000)
        Remove-JameyBackup -BackupPath $r.Path -Retention -RetentionDays 0 -Confirm:$false -PassThru | Select-Object -ExpandProperty BackupId |
            Should -Be '20200101-000000-000'
        Get-JameyBackup -BackupPath $r.Path -Status Incomplete | Should -BeNullOrEmpty
        New-Item -ItemType Directory (Join-Path $r.Path 'staging/20200101-000000-001/files') -Force | Out-Null
        Remove-JameyBackup -BackupPath $r.Path -Retention -RetentionDays 0 -IncludeIncomplete -Confirm:$false -PassThru | Select-Object -ExpandProperty BackupId |
            Should -Be '20200101-000000-001'
        @(Get-JameyBackup -BackupPath $r.Path).Count | Should -Be 6
    }

    It 'never lets a backup dated in the future make -MaxBackups 1 remove the backups around it' {
        $r = New-AgedRepository 'future'
        # The oldest backup was taken under a clock two days ahead: its id and manifest both say so.
        $old = Join-Path $r.Path "backups/$($r.Ids[60])"
        $t = [DateTimeOffset]::UtcNow.AddDays(2)
        $id = $t.UtcDateTime.ToString('yyyyMMdd-HHmmss-fff')
        $m = Get-Content (Join-Path $old 'manifest.json') -Raw | ConvertFrom-Json -DateKind String
        $m.backupId = $id; $m.createdAt = $t.ToString('o'); $m.completedAt = $t.AddSeconds(1).ToString('o')
        $m | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $old 'manifest.json')
        Rename-Item $old $id

        $removed = Remove-JameyBackup -BackupPath $r.Path -Retention -MaxBackups 1 -RetentionDays 0 -Confirm:$false -PassThru -WarningVariable warns 3>$null
        ($removed.BackupId | Sort-Object) | Should -Be (@($r.Ids[5], $r.Ids[10], $r.Ids[20], $r.Ids[40]) | Sort-Object)
        (Get-JameyBackup -BackupPath $r.Path 3>$null).BackupId | Should -Be @($id, $r.Ids[1])
        ($warns | Out-String) | Should -BeLike "*$id*in the future of this machine's clock*"
        (Remove-JameyBackup -BackupPath $r.Path -Retention -MaxBackups 1 -RetentionDays 0 -WhatIf -Verbose 4>&1 3>$null | Out-String) |
            Should -Match "Keep $id.*counted towards nothing"
    }

    It 'lists the rollback folders restores leave, and removes them by command (live or deserialized) and by retention' {
        $d = New-SampleData -Path (Join-Path $root 'rb-data') -Seed 31
        $rbRepo = Join-Path $root 'rb-repo'
        $b = New-JameyBackup -DataPath $d -BackupPath $rbRepo
        1..3 | ForEach-Object { Restore-JameyBackup -BackupPath $rbRepo -BackupId $b.BackupId -DataPath $d -Component Database -Confirm:$false | Out-Null }
        $rb = @(Get-JameyBackup -Rollback -DataPath $d)
        $rb.Count | Should -Be 3
        $rb | ForEach-Object { $_ | Should -BeOfType Jamey3.JameyRollback; $_.Path | Should -Exist; $_.Size | Should -BeGreaterThan 0 }
        $prom = Join-Path $root 'rb.prom'
        Export-JameyMetrics -BackupPath $rbRepo -Path $prom | Out-Null
        $sum = ($rb | Measure-Object Size -Sum).Sum
        (Get-Content $prom) | Should -Contain "jamey_backup_rollback_size_bytes $sum"

        $xml = Join-Path $root 'rollback.xml'
        $rb[2] | Export-Clixml $xml
        $removed = Import-Clixml $xml | Remove-JameyBackup -Confirm:$false -PassThru
        $removed.Rule | Should -Be Rollback
        $removed.Path | Should -Be $rb[2].Path
        $rb[2].Path | Should -Not -Exist
        (Get-JameyBackup -BackupPath $rbRepo).BackupId | Should -Be $b.BackupId   # the backup it names is untouched

        $removed = Remove-JameyBackup -BackupPath $rbRepo -DataPath $d -Retention -Confirm:$false -PassThru
        ($removed | Where-Object Rule -eq Rollback).Path | Should -Be $rb[1].Path
        (Get-JameyBackup -Rollback -DataPath $d).Path | Should -Be $rb[0].Path
        $rb[0] | Remove-JameyBackup -Confirm:$false | Out-Null
        Get-JameyBackup -Rollback -DataPath $d | Should -BeNullOrEmpty
    }

    It 'never removes while a backup is being written' {
        $r = New-AgedRepository 'busy'
        New-Item -ItemType Directory "$($r.Path)/locks" -Force | Out-Null
        $holder = Start-Process flock -ArgumentList "$($r.Path)/locks/writer.lock", 'sleep', '120' -PassThru
        try {
            Start-Sleep -Milliseconds 500
            Remove-JameyBackup -BackupPath $r.Path -Retention -RetentionDays 1 -LockTimeoutSeconds 1 -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'RepositoryBusy,*'
            @(Get-JameyBackup -BackupPath $r.Path).Count | Should -Be 6
        }
        finally { $holder.Kill($true); $holder.WaitForExit() }
    }
}
