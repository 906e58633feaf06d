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

    It 'lists nothing, without error, for an empty or absent repository' {
        Get-JameyBackup -BackupPath (Join-Path $root 'absent') -ErrorVariable errs | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
    }

    It 'completes backup ids on Tab' {
        $line = "Get-JameyBackup -BackupPath '$repo' -BackupId "
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Be ($made.BackupId | Sort-Object -Descending)
        $line = "Test-JameyBackup -BackupPath '$repo' -BackupId $($made[0].BackupId.Substring(0, 15))"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.Count | Should -BeGreaterThan 0
    }
}
