BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'test'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    # -Full: no shared segment files, so damage to one backup's file shows in that backup alone.
    $made = 1..2 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $repo -Full }
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Test-JameyBackup' {
    It 'emits one passing result per piped backup' {
        $results = Get-JameyBackup -BackupPath $repo | Test-JameyBackup
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_ | Should -BeOfType Jamey3.JameyBackupTestResult; $_.Passed | Should -BeTrue; $_.Mode | Should -Be Full }
        $results[0].Components.Count | Should -Be 6
        ($results[0].Components | Where-Object Component -eq Database).CountedItems | Should -BeGreaterThan 0
    }

    It 'accepts -BackupId, -Path, -Quick and deserialized objects' {
        (Test-JameyBackup -BackupPath $repo -BackupId $made[0].BackupId -Quick).Passed | Should -BeTrue
        (Test-JameyBackup -Path $made[1].Path).Passed | Should -BeTrue
        $clixml = Join-Path $root 'backups.xml'
        Get-JameyBackup -BackupPath $repo | Export-Clixml $clixml
        $results = Import-Clixml $clixml | Test-JameyBackup -Quick
        $results.BackupId | Should -Be ($made.BackupId | Sort-Object -Descending)
    }

    It 'fails and names the file when one byte of it changes' -TestCases @(
        @{ Pick = 'jamey.db' }
        @{ Pick = 'segments_' }
        @{ Pick = '.cfs' }
    ) {
        $b = $made[0]
        $m = Get-Content (Join-Path $b.Path 'manifest.json') -Raw | ConvertFrom-Json
        $entry = $m.files | Where-Object path -like "*$Pick*" | Select-Object -First 1
        # The database is stored in chunks: damage one of them, and the problem must name that chunk.
        $file = if ($entry.chunks) { ($entry.chunks | Select-Object -Last 1).stored } else { $entry.stored }
        $file | Should -Not -BeNullOrEmpty
        $full = Join-Path $b.Path $file
        $bytes = [IO.File]::ReadAllBytes($full)
        $original = $bytes[[int]($bytes.Length / 2)]
        $bytes[[int]($bytes.Length / 2)] = $original -bxor 0x20
        [IO.File]::WriteAllBytes($full, $bytes)
        try {
            foreach ($quick in $true, $false) {
                $r = Test-JameyBackup -InputObject $b -Quick:$quick
                $r.Passed | Should -BeFalse
                $r.Problems.File | Should -Contain $file
                ($r.Components | Where-Object { -not $_.Passed }).Problems | Should -BeLike "*$file*"
            }
            @(Get-JameyBackup -BackupPath $repo | Test-JameyBackup -Quick | Where-Object Passed -eq $false).BackupId | Should -Be $b.BackupId
        }
        finally {
            $bytes[[int]($bytes.Length / 2)] = $original
            [IO.File]::WriteAllBytes($full, $bytes)
        }
        (Test-JameyBackup -InputObject $b).Passed | Should -BeTrue
    }

    It 'fails, quick and full, a backup whose component folder is a link, for the reason Restore-JameyBackup refuses it' {
        $linkRepo = Join-Path $root 'linkrepo'
        $b = New-JameyBackup -DataPath $data -BackupPath $linkRepo
        # Same bytes behind a link: every hash still matches, so only the link check can tell.
        $folder = Join-Path $b.Path 'files/memory/working'
        $outside = Join-Path $root 'outside-working'
        Move-Item $folder $outside
        New-Item -ItemType SymbolicLink -Path $folder -Target $outside | Out-Null
        $refusal = $null
        try {
            Restore-JameyBackup -InputObject $b -DataPath $data -Destination (Join-Path $root 'restored') -AllowDamaged -Confirm:$false -ErrorAction Stop
        }
        catch { $refusal = $_ }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'UnsafeBackupPath,*'
        Join-Path $root 'restored' | Should -Not -Exist
        foreach ($quick in $true, $false) {
            $r = Test-JameyBackup -InputObject $b -Quick:$quick
            $r.Passed | Should -BeFalse
            $r.Problems.Message | Should -Contain $refusal.Exception.Message
            ($r.Components | Where-Object Component -eq Working).Passed | Should -BeFalse
        }
    }

    It 'runs integrity_check and CheckIndex with -Deep, and refuses -Quick with -Deep' {
        $r = Test-JameyBackup -BackupPath $repo -BackupId $made[1].BackupId -Deep -Verbose 4>&1
        $result = $r | Where-Object { $_ -is [Jamey3.JameyBackupTestResult] }
        $result.Passed | Should -BeTrue
        $result.Mode | Should -Be Deep
        ($result.Components | Where-Object Component -ne Database).CountedItems | Should -Not -Contain $null
        (@($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Match 'integrity_check and CheckIndex'
        { Test-JameyBackup -BackupPath $repo -BackupId $made[1].BackupId -Quick -Deep } | Should -Throw -ErrorId 'VerificationModeConflict,*'
    }

    It 'writes a BackupNotFound error for an unknown id and goes on with the next' {
        $r = Test-JameyBackup -BackupPath $repo -BackupId 'missing-id', $made[1].BackupId -Quick -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.BackupId | Should -Be $made[1].BackupId
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
    }
}
