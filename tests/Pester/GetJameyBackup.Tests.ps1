BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'get'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    $made = 1..4 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $repo }
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Get-JameyBackup' {
    It 'lists newest first' {
        $list = Get-JameyBackup -BackupPath $repo
        $list.BackupId | Should -Be ($made.BackupId | Sort-Object -Descending)
        $list | ForEach-Object { $_ | Should -BeOfType Jamey3.JameyBackup }
    }

    It 'filters by -Newest, -After, -Before and -BackupId with wildcards' {
        (Get-JameyBackup -BackupPath $repo -Newest 1).BackupId | Should -Be $made[-1].BackupId
        (Get-JameyBackup -BackupPath $repo -After $made[1].Timestamp.UtcDateTime).BackupId | Should -Be @($made[3].BackupId, $made[2].BackupId)
        (Get-JameyBackup -BackupPath $repo -Before $made[1].Timestamp.UtcDateTime).BackupId | Should -Be $made[0].BackupId
        (Get-JameyBackup -BackupPath $repo -BackupId $made[2].BackupId).BackupId | Should -Be $made[2].BackupId
        @(Get-JameyBackup -BackupPath $repo -BackupId ($made[0].BackupId.Substring(0, 8) + '*')).Count | Should -Be 4
    }

    It 'writes a non-terminating BackupNotFound error for an unknown literal id' {
        $r = Get-JameyBackup -BackupPath $repo -BackupId 'nope', $made[0].BackupId -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.BackupId | Should -Be $made[0].BackupId
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $errs[0].TargetObject | Should -Be 'nope'
    }

    It 'stops cleanly after Select-Object -First 1' {
        $r = Get-JameyBackup -BackupPath $repo | Select-Object -First 1 -ErrorVariable errs
        $r.BackupId | Should -Be $made[-1].BackupId
        $errs | Should -BeNullOrEmpty
    }

    It 'lists damaged and incomplete backups with their status and never breaks the listing' {
        $damagedRepo = Join-Path $root 'repo-damaged'
        $a, $b, $c = 1..3 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $damagedRepo }
        Set-Content (Join-Path $a.Path 'manifest.json') '{ broken'
        $m = Get-Content (Join-Path $b.Path 'manifest.json') -Raw | ConvertFrom-Json
        Remove-Item (Join-Path $b.Path $m.files[3].stored)
        New-Item -ItemType Directory (Join-Path $damagedRepo 'staging/29991231-235959-999/files') -Force | Out-Null

        $list = Get-JameyBackup -BackupPath $damagedRepo
        $list.Count | Should -Be 4
        ($list | Where-Object BackupId -eq '29991231-235959-999').Status | Should -Be Incomplete
        ($list | Where-Object BackupId -eq $a.BackupId).Status | Should -Be Damaged
        ($list | Where-Object BackupId -eq $b.BackupId).Status | Should -Be Damaged
        ($list | Where-Object BackupId -eq $b.BackupId).Problem | Should -BeLike "*$($m.files[3].stored)*missing*"
        ($list | Where-Object BackupId -eq $c.BackupId).Status | Should -Be Complete
    }

    It 'lists nothing, without error, for an empty repository' {
        $empty = New-Item -ItemType Directory (Join-Path $root 'empty') -Force
        Get-JameyBackup -BackupPath $empty.FullName -ErrorVariable errs | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
    }

    It 'is an ObjectNotFound error naming the path for a repository that does not exist' {
        $absent = Join-Path $root 'absent'
        Get-JameyBackup -BackupPath $absent -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'RepositoryNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $errs[0].TargetObject | Should -Be $absent
        $errs[0].Exception.Message | Should -BeLike "*'$absent'*does not exist*"
        { Get-JameyBackup -BackupPath $absent -ErrorAction Stop } | Should -Throw -ErrorId 'RepositoryNotFound,*'
    }

    It 'fits the default table in 80 columns, with Stored as what each backup alone adds' {
        $text = Get-JameyBackup -BackupPath $repo | Out-String -Width 80
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        $lines[0] | Should -Match '^BackupId\s+Taken\s+Status\s+Parts\s+Size\s+Stored\s+Prob'
        # The sample data did not change between the four backups: each later one shares nearly everything.
        $second = Get-JameyBackup -BackupPath $repo -BackupId $made[1].BackupId
        $second.UniqueSize | Should -BeLessThan ($second.StoredSize / 2)
        $row = $lines | Where-Object { $_.StartsWith($second.BackupId) }
        $expected = if ($second.UniqueSize -ge 1MB) { '{0:N1}M' -f ($second.UniqueSize / 1MB) } else { '{0:N0}K' -f [math]::Ceiling($second.UniqueSize / 1KB) }
        ($row -split '\s+')[6] | Should -Be $expected
    }

    It 'summarises what the backups take and what sharing saves' {
        $s = Get-JameyBackup -BackupPath $repo -Summary
        $s | Should -BeOfType Jamey3.JameyBackupRepositorySummary
        $s.Complete | Should -Be 4
        $s.StoredSize | Should -Be ($made | Measure-Object StoredSize -Sum).Sum
        $s.SharingSaves | Should -BeGreaterThan ($s.StoredSize / 2)
        ($s | Out-String -Width 80) | Should -Match 'SharingSaves\s*:\s*[\d.,]+ MiB'
    }
}

Describe 'Get-JameyBackup -Newest after a crash' {
    BeforeAll {
        $crash = Join-Path $root 'repo-crash'
        $good1, $good2, $bad = 1..3 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $crash }
        $m = Get-Content (Join-Path $bad.Path 'manifest.json') -Raw | ConvertFrom-Json
        Remove-Item (Join-Path $bad.Path $m.files[2].stored)                      # the newest published backup is Damaged
        $leftover = [DateTime]::UtcNow.AddMinutes(1).ToString('yyyyMMdd-HHmmss-fff')
        New-Item -ItemType Directory (Join-Path $crash "staging/$leftover/files") -Force | Out-Null   # and a killed run's leftover is newer still
        $xml = Join-Path $root 'newest.xml'
    }

    It 'counts only Complete backups, unless -Status says otherwise' {
        (Get-JameyBackup -BackupPath $crash).Status | Should -Be @('Incomplete', 'Damaged', 'Complete', 'Complete')
        (Get-JameyBackup -BackupPath $crash -Newest 1).BackupId | Should -Be $good2.BackupId
        (Get-JameyBackup -BackupPath $crash -Newest 2).BackupId | Should -Be @($good2.BackupId, $good1.BackupId)
        (Get-JameyBackup -BackupPath $crash -Newest 1 -Status Damaged).BackupId | Should -Be $bad.BackupId
        (Get-JameyBackup -BackupPath $crash -Newest 1 -Status Incomplete).BackupId | Should -Be $leftover
    }

    It 'pipes the newest good backup, live, to Test-JameyBackup and Restore-JameyBackup' {
        $t = Get-JameyBackup -BackupPath $crash -Newest 1 | Test-JameyBackup -Quick
        $t.BackupId | Should -Be $good2.BackupId
        $t.Passed | Should -BeTrue
        $r = Get-JameyBackup -BackupPath $crash -Newest 1 | Restore-JameyBackup -DataPath (Join-Path $root 'restored-live') -Confirm:$false
        $r.BackupId | Should -Be $good2.BackupId
    }

    It 'pipes it deserialized (Export-Clixml, Import-Clixml) to Test-JameyBackup and Restore-JameyBackup' {
        Get-JameyBackup -BackupPath $crash -Newest 1 | Export-Clixml $xml
        $t = Import-Clixml $xml | Test-JameyBackup -Quick
        $t.BackupId | Should -Be $good2.BackupId
        $t.Passed | Should -BeTrue
        $r = Import-Clixml $xml | Restore-JameyBackup -DataPath (Join-Path $root 'restored-clixml') -Confirm:$false
        $r.BackupId | Should -Be $good2.BackupId
    }

    It 'never returns a backup dated in the future as the newest, and warns about it' {
        $future = Join-Path $root 'repo-future'
        $a, $b = 1..2 | ForEach-Object { New-JameyBackup -DataPath $data -BackupPath $future }
        $t = [DateTimeOffset]::UtcNow.AddDays(2)
        $id = $t.UtcDateTime.ToString('yyyyMMdd-HHmmss-fff')
        $json = Get-Content (Join-Path $a.Path 'manifest.json') -Raw | ConvertFrom-Json -DateKind String
        $json.backupId = $id; $json.createdAt = $t.ToString('o')
        $json | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $a.Path 'manifest.json')
        Rename-Item $a.Path $id

        $list = Get-JameyBackup -BackupPath $future -WarningVariable warns 3>$null
        $list.BackupId | Should -Be @($id, $b.BackupId)
        $list[0].InFuture | Should -BeTrue
        $warns.Count | Should -Be 1
        "$($warns[0])" | Should -BeLike "*$id*ahead of this machine's clock*"
        (Get-JameyBackup -BackupPath $future -Newest 1 3>$null).BackupId | Should -Be $b.BackupId
    }

    It 'completes backup ids on Tab' {
        $line = "Get-JameyBackup -BackupPath '$repo' -BackupId "
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Be ($made.BackupId | Sort-Object -Descending)
        $line = "Test-JameyBackup -BackupPath '$repo' -BackupId $($made[0].BackupId.Substring(0, 15))"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.Count | Should -BeGreaterThan 0
    }
}
