# How the cmdlets behave as PowerShell commands: confirmation only for what will really be done, paths as the
# session means them, wildcards and literal paths, -PassThru, verbose messages, and clear errors for bad paths.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'conventions'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    $made = 1..3 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $repo }
    $newest = $made[-1]
    # The newest backup passes verification, so it is the protected one.
    (Test-JameyBackup -InputObject $newest -Quick).Passed | Should -BeTrue
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Confirmation only for what will really be done' {
    It 'reports refusals to remove (the newest verified backup, an unknown id) before any prompt, also under -WhatIf' {
        $errs = $null
        Remove-JameyBackup -BackupPath $repo -BackupId $newest.BackupId -WhatIf -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BackupProtected,*'
        # A prompt in a non-interactive session fails: refusals need none. Under -WhatIf, what would be removed is still shown.
        $ids = "$($newest.BackupId), 20200101-000000-000"
        $out = Invoke-ChildPwsh -Script "`$ErrorActionPreference = 'Continue'; Remove-JameyBackup -BackupPath '$repo' -BackupId $ids 2>&1 | ForEach-Object { `"`$_`" }; 'finished'"
        $text = $out | Out-String
        $text | Should -Match 'is the newest backup that passed verification'
        $text | Should -Match "No backup '20200101-000000-000'"
        $text | Should -Not -Match 'NonInteractive'
        $out | Should -Contain 'finished'
        $out = Invoke-ChildPwsh -Script "`$ErrorActionPreference = 'Continue'; Remove-JameyBackup -BackupPath '$repo' -BackupId $ids, $($made[0].BackupId) -WhatIf 2>&1 | ForEach-Object { `"`$_`" }" | Out-String
        $out | Should -Not -Match "What if: .*$($newest.BackupId)"
        $out | Should -Match "What if: .*$($made[0].BackupId)"
        (Get-JameyBackup -BackupPath $repo).Count | Should -Be 3
    }

    It 'reports the refusal to restore while Jamey runs before any prompt, also under -WhatIf' {
        $live = Join-Path $root 'live'
        Copy-Item $data $live -Recurse
        $holder = Start-JameyWriter -Path $live -Mode hold
        try {
            $err = { Restore-JameyBackup -BackupPath $repo -BackupId $newest.BackupId -DataPath $live -WhatIf -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataInUse,*'
        }
        finally { Stop-JameyWriter $holder | Out-Null }
    }

    It 'says there is nothing to recover without prompting' {
        $out = Invoke-ChildPwsh -Script "Restore-JameyBackup -Recover -DataPath '$data' 6>&1 | ForEach-Object { `"`$_`" }; 'finished'"
        $LASTEXITCODE | Should -Be 0
        ($out | Out-String) | Should -Match 'Nothing to recover'
        $out | Should -Contain 'finished'
    }
}

Describe 'Tab completion of -BackupId' {
    It 'resolves the default and a relative -BackupPath against the current location' {
        $here = New-TestDirectory 'completion'
        try {
            $b = New-JameyBackup -DataPath $data -BackupPath (Join-Path $here 'data/backups')
            $other = New-JameyBackup -DataPath $data -BackupPath (Join-Path $here 'rel') -Component Episodic
            Push-Location $here
            try {
                [Environment]::CurrentDirectory | Should -Not -Be $here   # the process directory does not follow Set-Location
                $line = 'Get-JameyBackup -BackupId '
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $b.BackupId
                $line = 'Test-JameyBackup -BackupPath ./rel -BackupId '
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @($other.BackupId)
            }
            finally { Pop-Location }
        }
        finally { Remove-Item $here -Recurse -Force -ErrorAction Ignore }
    }
}

Describe 'Paths, wildcards and pipeline input' {
    It 'tests the folders piped from Get-ChildItem' {
        $results = Get-ChildItem (Join-Path $repo 'backups') -Directory | Test-JameyBackup -Quick
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.Passed | Should -BeTrue }
        ($results.BackupId | Sort-Object) | Should -Be ($made.BackupId | Sort-Object)
    }

    It 'expands wildcards in -Path, and takes -LiteralPath literally' {
        $results = Test-JameyBackup -Path (Join-Path $repo 'backups/*') -Quick
        $results.Count | Should -Be 3
        $errs = $null
        $r = Test-JameyBackup -LiteralPath (Join-Path $repo 'backups/*') -Quick -ErrorVariable errs -ErrorAction SilentlyContinue
        @($r | Where-Object Passed).Count | Should -Be 0
        @($errs).Count + @($r | Where-Object { -not $_.Passed }).Count | Should -BeGreaterThan 0
        $errs = $null
        Test-JameyBackup -Path (Join-Path $root 'nothing-here-*') -Quick -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'restores a folder piped from Get-Item' {
        $dest = Join-Path $root 'restored-from-item'
        $r = Get-Item $newest.Path | Restore-JameyBackup -Destination $dest -Confirm:$false
        $r.BackupId | Should -Be $newest.BackupId
        Join-Path $dest 'jamey.db' | Should -Exist
    }

    It 'writes objects from Remove-JameyBackup and Export-JameyMetrics only with -PassThru' {
        $extra = 1..2 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $repo -Component Episodic }
        Remove-JameyBackup -BackupPath $repo -BackupId $extra[0].BackupId -Confirm:$false | Should -BeNullOrEmpty
        (Remove-JameyBackup -BackupPath $repo -BackupId $extra[1].BackupId -Confirm:$false -PassThru).BackupId | Should -Be $extra[1].BackupId
        Get-JameyBackup -BackupPath $repo -BackupId $extra.BackupId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $file = Join-Path $root 'metrics/jamey3.prom'
        New-Item -ItemType Directory (Split-Path $file) -Force | Out-Null
        Export-JameyMetrics -BackupPath $repo -Path $file | Should -BeNullOrEmpty
        $file | Should -Exist
        (Export-JameyMetrics -BackupPath $repo -Path $file -PassThru).FullName | Should -Be $file
    }

    It 'gives every cmdlet that takes a repository the same aliases' {
        $withRepository = Get-Command -Module Jamey3 | Where-Object { $_.Parameters.ContainsKey('BackupPath') }
        $withRepository.Count | Should -BeGreaterOrEqual 8
        foreach ($c in $withRepository) {
            $c.Parameters['BackupPath'].Aliases | Should -Be @('RepositoryPath') -Because "$($c.Name) -BackupPath"
        }
    }
}

Describe 'Messages' {
    It 'says with -Verbose what Get-JameyBackup and Test-JameyBackup do, in human units' {
        $verbose = Get-JameyBackup -BackupPath $repo -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape("Listing the backups in '$repo'"))
        ($verbose.Message -join "`n") | Should -Match 'Read 3 backup\(s\); 3 matched'
        $verbose = Test-JameyBackup -InputObject $newest -Quick -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $text = $verbose.Message -join "`n"
        $text | Should -Match "Testing backup $($newest.BackupId) .*\(quick\)"
        $text | Should -Match "Backup $($newest.BackupId) passed: \d+ file\(s\), [\d.]+ (B|KiB|MiB) checked in [\d.]+ (ms|s)"
    }

    It 'states the accepted interval without long fractions' {
        $saved = $env:BACKUP_INTERVAL_HOURS
        $env:BACKUP_INTERVAL_HOURS = '0'
        try { $err = { Get-JameyBackup -BackupPath $repo -ErrorAction Stop } | Should -Throw -PassThru }
        finally { $env:BACKUP_INTERVAL_HOURS = $saved }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConfigurationValue,*'
        $err.Exception.Message | Should -Match 'BACKUP_INTERVAL_HOURS'
        $err.Exception.Message | Should -Match 'one minute'
        $err.Exception.Message | Should -Not -Match '0\.0166'
    }

    It 'does not repeat the file name in a problem message' {
        $victim = New-JameyBackup -DataPath $data -BackupPath (Join-Path $root 'repo-damaged') -Component Episodic
        $m = Get-Content (Join-Path $victim.Path 'manifest.json') -Raw | ConvertFrom-Json
        $stored = ($m.files | Where-Object stored | Select-Object -First 1).stored
        Remove-Item (Join-Path $victim.Path $stored)
        $r = Test-JameyBackup -InputObject $victim -Quick
        $r.Passed | Should -BeFalse
        $p = $r.Problems | Where-Object File -eq $stored
        $p | Should -Not -BeNullOrEmpty
        $p.Message | Should -Not -BeLike "*$stored*"
        "$p" | Should -Be "${stored}: $($p.Message)"
    }
}

Describe 'Bad paths fail at once, clearly' {
    It 'says a bare New-JameyBackup in a folder without ./data finds no data directory, and writes nothing' {
        $empty = New-TestDirectory 'no-data'
        Push-Location $empty
        try {
            $err = { New-JameyBackup -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataPathNotFound,*'
            $err.CategoryInfo.Category | Should -Be ObjectNotFound
            $err.Exception.Message | Should -BeLike "*'$(Join-Path $empty 'data')' does not exist*"
            Join-Path $empty 'data' | Should -Not -Exist
            @(Get-ChildItem $empty -Force).Count | Should -Be 0
        }
        finally { Pop-Location; Remove-Item $empty -Recurse -Force -ErrorAction Ignore }
    }

    It 'refuses a -BackupPath that is a file' {
        $file = Join-Path $root 'a-file'
        Set-Content $file 'not a repository'
        $err = { New-JameyBackup -DataPath $data -BackupPath $file -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBackupPath,*'
        $err.CategoryInfo.Category | Should -Be InvalidArgument
        $err.Exception.Message | Should -BeLike "*'$file' is a file*"
        Get-Content $file | Should -Be 'not a repository'
    }

    It 'reports a 4,041-character -BackupPath as a bad backup path and creates nothing' {
        $base = Join-Path $root 'long'
        $long = $base
        while ($long.Length -lt 4041 - 201) { $long = Join-Path $long ('a' * 200) }
        $long = Join-Path $long ('b' * (4041 - $long.Length - 1))
        $long.Length | Should -Be 4041
        $err = { New-JameyBackup -DataPath $data -BackupPath $long -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBackupPath,*'
        $err.Exception.Message | Should -Match '4,041 characters'
        $err.Exception.Message | Should -Not -Match 'SQLite|source'
        $base | Should -Not -Exist
    }

    It 'refuses a -ListenAddress that is not this machine''s with a clear message' {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $err = { Start-JameyMetrics -BackupPath $repo -Port $port -ListenAddress evil.example.com -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMetricsHost,*'
        $err.CategoryInfo.Category | Should -Be InvalidArgument
        $err.Exception.Message | Should -Match 'evil\.example\.com'
        $err.Exception.Message | Should -Match 'not an address of this machine|does not resolve'
        $err.Exception.Message | Should -Not -Match 'request is not supported'
        Stop-JameyMetrics -ErrorAction SilentlyContinue | Out-Null
    }
}
