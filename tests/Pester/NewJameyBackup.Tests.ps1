BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'new'
    $data = New-SampleData -Path (Join-Path $root 'data')
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'New-JameyBackup' {
    It 'takes a backup and describes it in manifest.json' {
        $repo = Join-Path $root 'repo-basic'
        $b = New-JameyBackup -DataPath $data -BackupPath $repo
        $b | Should -BeOfType Jamey3.JameyBackup
        $b.Status | Should -Be Complete
        $b.Components.Component | Should -Be @('Database', 'ShortTerm', 'LongTerm', 'Working', 'Episodic', 'Semantic')
        $b.TotalSize | Should -BeGreaterThan 0
        $m = Get-Content (Join-Path $b.Path 'manifest.json') -Raw | ConvertFrom-Json
        $m.format | Should -Be 2
        $db = $m.files | Where-Object component -eq Database
        $db.stored | Should -Be 'files/jamey.db.chunks'
        @($db.chunks).Count | Should -BeGreaterThan 0
        $db.chunks | ForEach-Object { Join-Path $b.Path $_.stored | Should -Exist }
        $m.backupId | Should -Be $b.BackupId
        $m.tool.version | Should -Not -BeNullOrEmpty
        $m.host | Should -Be ([Environment]::MachineName)
        $m.files.Count | Should -BeGreaterThan 6
        $m.files | ForEach-Object { $_.sha256 | Should -Match '^[0-9a-f]{64}$' }
        ($m.components | Where-Object component -eq Database).database.rowCounts.memory_records | Should -BeGreaterThan 0
        ($m.components | Where-Object component -eq LongTerm).index.documentCount | Should -BeGreaterThan 0
        $m.totals.size | Should -Be $b.TotalSize
        $m.durationSeconds | Should -BeGreaterThan 0
    }

    It 'backs up only the components asked for' {
        $b = New-JameyBackup -DataPath $data -BackupPath (Join-Path $root 'repo-part') -Component Database, Memory -Compression None
        $b.Components.Count | Should -Be 6
        $b = New-JameyBackup -DataPath $data -BackupPath (Join-Path $root 'repo-part') -Component Episodic
        $b.Components.Component | Should -Be 'Episodic'
    }

    It 'changes nothing with -WhatIf' {
        $repo = Join-Path $root 'repo-whatif'
        New-JameyBackup -DataPath $data -BackupPath $repo -WhatIf | Should -BeNullOrEmpty
        Test-Path $repo | Should -BeFalse
    }

    It 'reports progress as X of Y components with a completed record at the end' {
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-JameyModulePath)).AddStatement()
        $null = $ps.AddCommand('New-JameyBackup').AddParameter('DataPath', $data).AddParameter('BackupPath', (Join-Path $root 'repo-progress'))
        $out = $ps.Invoke()
        $ps.HadErrors | Should -BeFalse
        $out.Count | Should -Be 1
        $ps.Streams.Progress.StatusDescription | Should -Contain 'Database (1 of 6)'
        $ps.Streams.Progress.StatusDescription | Should -Contain 'Semantic (6 of 6)'
        $ps.Streams.Progress[-1].RecordType | Should -Be Completed
        $ps.Dispose()
    }

    It 'fails clearly on a missing data directory and writes nothing' {
        $repo = Join-Path $root 'repo-missing'
        $err = { New-JameyBackup -DataPath (Join-Path $root 'no-such-data') -BackupPath $repo -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DataPathNotFound,*'
        $err.CategoryInfo.Category | Should -Be ObjectNotFound
        $err.Exception.Message | Should -BeLike '*no-such-data*'
        Test-Path $repo | Should -BeFalse -Because "nothing is written for a missing data directory, not even the repository folder"
    }

    It 'reads the environment as Jamey 3.0 defined it' {
        $repo = Join-Path $root 'repo-env'
        $out = Invoke-ChildPwsh -Environment @{ JAMEY_DATA_DIR = $data; BACKUP_DIR = $repo; BACKUP_COMPRESS = 'false' } -Script '(New-JameyBackup).Compression'
        $LASTEXITCODE | Should -Be 0
        $out | Should -Contain 'None'
        (Get-JameyBackup -BackupPath $repo).Count | Should -Be 1
    }

    It 'rejects an unparsable environment value, naming the variable and the value' -TestCases @(
        @{ Name = 'BACKUP_MAX_BACKUPS'; Value = 'ten' }
        @{ Name = 'BACKUP_ENABLED'; Value = 'perhaps' }
        @{ Name = 'BACKUP_INTERVAL_HOURS'; Value = '-3' }
    ) {
        $out = Invoke-ChildPwsh -Environment @{ $Name = $Value } -Script @"
try { New-JameyBackup -DataPath '$data' -BackupPath '$root/repo-badenv' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message; exit 3 }
"@
        $LASTEXITCODE | Should -Be 3
        $out[0] | Should -BeLike 'InvalidConfigurationValue,*'
        $out[1] | Should -Be 'InvalidArgument'
        $out[2] | Should -BeLike "*$Name*'$Value'*"
        Test-Path "$root/repo-badenv" | Should -BeFalse
    }

    It 'says so and does nothing when backups are disabled' {
        $out = Invoke-ChildPwsh -Environment @{ BACKUP_ENABLED = 'false' } -Script "New-JameyBackup -DataPath '$data' -BackupPath '$root/repo-disabled' 3>&1"
        $LASTEXITCODE | Should -Be 0
        ($out -join ' ') | Should -BeLike '*disabled*BACKUP_ENABLED*'
        Test-Path "$root/repo-disabled" | Should -BeFalse
    }

    It 'tells a second writer the repository is busy, and recovers the lock of a killed holder' {
        $repo = Join-Path $root 'repo-busy'
        New-Item -ItemType Directory "$repo/locks" -Force | Out-Null
        # flock(1) takes the same OS lock the engine holds while writing.
        $holder = Start-Process flock -ArgumentList "$repo/locks/writer.lock", 'sleep', '120' -PassThru
        try {
            Start-Sleep -Milliseconds 500
            $err = { New-JameyBackup -DataPath $data -BackupPath $repo -LockTimeoutSeconds 1 -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'RepositoryBusy,*'
            $err.CategoryInfo.Category | Should -Be ResourceBusy
        }
        finally { $holder.Kill($true); $holder.WaitForExit() }   # the whole tree: sleep inherits the locked descriptor
        Start-Sleep -Milliseconds 300
        (New-JameyBackup -DataPath $data -BackupPath $repo -LockTimeoutSeconds 5).Status | Should -Be Complete
    }

    It 'leaves nothing listed as good when the process is killed mid-backup, and the next backup succeeds' {
        $bigData = New-SampleData -Path (Join-Path $root 'big') -Size '80MB' -Seed 5
        $repo = Join-Path $root 'repo-kill'
        foreach ($delayMs in 400, 900, 1600) {
            $p = Start-ChildPwsh -Script "New-JameyBackup -DataPath '$bigData' -BackupPath '$repo' -Compression None | Out-Null"
            # Kill once the backup has started writing (its staging folder exists), after a varying delay.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path "$repo/staging/*") -and -not $p.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Start-Sleep -Milliseconds $delayMs
            $p.Kill($true); $p.WaitForExit()
            Get-JameyBackup -BackupPath $repo | Where-Object Status -eq Complete | ForEach-Object {
                # A backup that finished before the kill must be whole.
                (Test-JameyBackup -InputObject $_ -Quick).Passed | Should -BeTrue
            }
        }
        $next = New-JameyBackup -DataPath $data -BackupPath $repo
        $next.Status | Should -Be Complete
        (Test-JameyBackup -InputObject $next).Passed | Should -BeTrue
        Get-JameyBackup -BackupPath $repo -Status Incomplete, Damaged | ForEach-Object { $_.Status | Should -Be Incomplete }
        # Every published backup is in the run history, one published just before a kill included (the next run records it).
        $history = Get-Content "$repo/state/history.json" -Raw | ConvertFrom-Json
        $recorded = @($history.runs | Where-Object { $_.operation -eq 'Backup' -and $_.success } | ForEach-Object backupId)
        Get-JameyBackup -BackupPath $repo -Status Complete | ForEach-Object { $recorded | Should -Contain $_.BackupId }
        $history.latest.Backup.lastSuccess.backupId | Should -Be $next.BackupId
    }

    It 'keeps the repository to its owner under umask 022 and records each file''s mode' -Skip:$IsWindows {
        $private = Join-Path $root 'private-data'
        New-SampleData -Path $private | Out-Null
        chmod -R go-rwx $private
        $repo = Join-Path $root 'repo-private'
        $b = New-JameyBackup -DataPath $private -BackupPath $repo
        $open = Get-ChildItem $repo -Recurse -Force | Where-Object {
            $_.FullName -notlike '*/locks/*' -and $_.FullName -notlike '*/state/history.lock' -and
            ([int]$_.UnixFileMode -band 0x3F) -ne 0   # any group or other bit
        }
        $open.FullName | Should -BeNullOrEmpty
        ([int](Get-Item $repo).UnixFileMode -band 0x3F) | Should -Be 0
        $m = Get-Content (Join-Path $b.Path 'manifest.json') -Raw | ConvertFrom-Json
        $m.files.mode | Sort-Object -Unique | Should -Be '0600'
    }

    It 'refuses a Lucene file that is a link to a file outside the data directory, naming it' -Skip:$IsWindows {
        $linked = Join-Path $root 'linked-data'
        New-SampleData -Path $linked | Out-Null
        $victim = Get-ChildItem "$linked/memory/long_term" -File | Where-Object Name -notlike 'segments*' |
            Where-Object Extension -ne '.si' | Sort-Object Length -Descending | Select-Object -First 1
        Move-Item $victim.FullName "$root/outside$($victim.Extension)"
        New-Item -ItemType SymbolicLink -Path $victim.FullName -Target "$root/outside$($victim.Extension)" | Out-Null
        $repo = Join-Path $root 'repo-linked'
        $err = { New-JameyBackup -DataPath $linked -BackupPath $repo -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UnsafeDataPath,*'
        $err.CategoryInfo.Category | Should -Be InvalidData
        $err.Exception.Message | Should -BeLike "*$($victim.FullName)*link*"
        @(Get-JameyBackup -BackupPath $repo -Status Complete).Count | Should -Be 0
    }

    It 'stops promptly on Ctrl+C and publishes nothing' {
        $bigData = Join-Path $root 'big'
        if (-not (Test-Path $bigData)) { New-SampleData -Path $bigData -Size '80MB' -Seed 5 | Out-Null }
        $repo = Join-Path $root 'repo-stop'
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-JameyModulePath)).AddStatement()
        $null = $ps.AddCommand('New-JameyBackup').AddParameter('DataPath', $bigData).AddParameter('BackupPath', $repo).AddParameter('Compression', 'Zstd')
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Test-Path "$repo/staging/*") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
        Start-Sleep -Milliseconds 200
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $ps.InvocationStateInfo.State | Should -Be Stopped
        @(Get-JameyBackup -BackupPath $repo -Status Complete).Count | Should -Be 0
        @(Get-ChildItem "$repo/staging" -ErrorAction Ignore).Count | Should -Be 0
        $ps.Dispose()
    }
}

Describe 'New-JameyBackup while Jamey is running' {
    It 'takes 20 backups while another process writes to the database and every index, and every one verifies' {
        $liveData = New-SampleData -Path (Join-Path $root 'live') -Size '1MB' -Seed 9
        $repo = Join-Path $root 'repo-live'
        $writer = Start-JameyWriter -Path $liveData -IntervalMs 10
        try {
            $backups = 1..20 | ForEach-Object { New-JameyBackup -DataPath $liveData -BackupPath $repo -Full:($_ % 3 -eq 0) }
        }
        finally { $stats = Stop-JameyWriter $writer }
        $stats | Should -Match 'commits'
        $backups.Count | Should -Be 20
        # Each backup saw a different moment of the live data.
        ($backups | ForEach-Object { ($_.Components | Where-Object Component -eq LongTerm).DocumentCount } | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        $results = $backups | Test-JameyBackup
        $results.Count | Should -Be 20
        foreach ($r in $results) {
            $r.Passed | Should -BeTrue -Because (($r.Problems | ForEach-Object ToString) -join '; ')
            $b = $backups | Where-Object BackupId -eq $r.BackupId
            foreach ($c in $r.Components | Where-Object Component -ne Database) {
                $c.CountedItems | Should -Be ($b.Components | Where-Object Component -eq $c.Component).DocumentCount
            }
            ($r.Components | Where-Object Component -eq Database).CountedItems |
                Should -Be ($b.Components | Where-Object Component -eq Database).RowCounts['memory_records']
        }
    }
}
