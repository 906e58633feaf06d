BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'restore'

    # A fingerprint of each component: file name -> SHA-256, so "old", "new", "absent" and "mixed" can be told apart.
    function Get-ComponentPrint([string] $dataPath) {
        $prints = [ordered]@{}
        $db = Join-Path $dataPath 'jamey.db'
        $prints['Database'] = if (Test-Path $db) { (Get-FileHash $db).Hash } else { $null }
        foreach ($layer in 'short_term', 'long_term', 'working', 'episodic', 'semantic') {
            $dir = Join-Path $dataPath "memory/$layer"
            $prints[$layer] = if (Test-Path $dir) {
                (Get-ChildItem $dir -File | Where-Object Name -notin 'write.lock', 'segments.gen' | Sort-Object Name | ForEach-Object { "$($_.Name)=$((Get-FileHash $_.FullName).Hash)" }) -join ';'
            } else { $null }
        }
        $prints
    }
    # What a database holds, independent of page layout: every row of the app's tables.
    function Get-DatabaseRows([string] $db) {
        (& sqlite3 -readonly $db "SELECT id, content, layer, updated_at FROM memory_records ORDER BY id; SELECT key, value FROM app_metadata ORDER BY key;") -join "`n"
    }
    function Get-IndexDocs([string] $dataPath) {
        $sample = Join-Path (Split-Path (Get-JameyModulePath) -Parent) '../tools/sample/jamey3-sample.dll'
        # Count documents through Lucene itself, via CheckIndex in Test-JameyBackup on a fresh backup of the folder.
        $tmpRepo = Join-Path $root "count-$([guid]::NewGuid().ToString('N'))"
        $b = New-JameyBackup -DataPath $dataPath -BackupPath $tmpRepo -Compression None -Full
        $b.Components | Where-Object Component -ne Database | ForEach-Object { "$($_.Component)=$($_.DocumentCount)" }
    }
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Restore-JameyBackup' {
    BeforeAll {
        $data = New-SampleData -Path (Join-Path $root 'data') -Seed 21
        $repo = Join-Path $root 'repo'
        $backup = New-JameyBackup -DataPath $data -BackupPath $repo
        $atBackup = @{ Rows = Get-DatabaseRows "$data/jamey.db"; Docs = Get-IndexDocs $data; Print = Get-ComponentPrint $data }
    }

    It 'round-trips through the pipeline: rows, documents and database content equal the source at backup time' {
        # Jamey goes on writing after the backup...
        $writer = Start-JameyWriter -Path $data -IntervalMs 5
        Start-Sleep -Seconds 2
        Stop-JameyWriter $writer | Out-Null
        Get-DatabaseRows "$data/jamey.db" | Should -Not -Be $atBackup.Rows
        # ...then the backup is restored.
        $result = Get-JameyBackup -BackupPath $repo -Newest 1 | Restore-JameyBackup -DataPath $data -Confirm:$false
        $result | Should -BeOfType Jamey3.JameyRestoreResult
        $result.BackupId | Should -Be $backup.BackupId
        $result.Verified | Should -BeTrue
        $result.Components | Should -Be @('Database', 'ShortTerm', 'LongTerm', 'Working', 'Episodic', 'Semantic')
        $result.RollbackPath | Should -Exist
        Get-DatabaseRows "$data/jamey.db" | Should -Be $atBackup.Rows
        Get-IndexDocs $data | Should -Be $atBackup.Docs
        (& sqlite3 "$data/jamey.db" 'PRAGMA journal_mode; PRAGMA integrity_check;') | Should -Be @('wal', 'ok')
        "$data/jamey.db-wal", "$data/jamey.db-shm" | ForEach-Object { $_ | Should -Not -Exist }
    }

    It 'restores one component and leaves every other byte untouched' {
        $writer = Start-JameyWriter -Path $data -IntervalMs 5
        Start-Sleep -Seconds 2
        Stop-JameyWriter $writer | Out-Null
        $before = Get-ComponentPrint $data
        Restore-JameyBackup -BackupPath $repo -BackupId $backup.BackupId -DataPath $data -Component LongTerm -Confirm:$false | Out-Null
        $after = Get-ComponentPrint $data
        $after['long_term'] | Should -Be $atBackup.Print['long_term']
        foreach ($k in 'Database', 'short_term', 'working', 'episodic', 'semantic') { $after[$k] | Should -Be $before[$k] -Because "$k was not asked for" }
        Restore-JameyBackup -BackupPath $repo -BackupId $backup.BackupId -DataPath $data -Component Memory -Confirm:$false |
            Select-Object -ExpandProperty Components | Should -Be @('ShortTerm', 'LongTerm', 'Working', 'Episodic', 'Semantic')
        (Get-ComponentPrint $data)['Database'] | Should -Be $before['Database']
    }

    It 'changes nothing with -WhatIf and names the backup, its time and the paths' {
        $before = Get-ComponentPrint $data
        $out = Invoke-ChildPwsh -Script "Get-JameyBackup -BackupPath '$repo' -Newest 1 | Restore-JameyBackup -DataPath '$data' -WhatIf" | Out-String
        $out | Should -Match ([regex]::Escape($backup.BackupId))
        $out | Should -Match ([regex]::Escape($backup.Timestamp.ToLocalTime().ToString('yyyy-MM-dd HH:mm')))
        $out | Should -Match ([regex]::Escape((Join-Path $data 'jamey.db')))
        $out | Should -Match 'memory/semantic'
        Get-ComponentPrint $data | ConvertTo-Json | Should -Be ($before | ConvertTo-Json)
    }

    It 'restores into another folder without touching live data' {
        $before = Get-ComponentPrint $data
        $dest = Join-Path $root 'elsewhere'
        $r = Restore-JameyBackup -BackupPath $repo -BackupId $backup.BackupId -Destination $dest -Confirm:$false
        $r.Destination | Should -Be $dest
        Get-DatabaseRows "$dest/jamey.db" | Should -Be $atBackup.Rows
        Get-ComponentPrint $data | ConvertTo-Json | Should -Be ($before | ConvertTo-Json)
    }

    It 'runs integrity_check and CheckIndex before the swap with -Deep' {
        $dest = Join-Path $root 'deep'
        $r = Restore-JameyBackup -BackupPath $repo -BackupId $backup.BackupId -Destination $dest -Deep -Confirm:$false
        $r.Verified | Should -BeTrue
        Get-DatabaseRows "$dest/jamey.db" | Should -Be $atBackup.Rows
        (Get-Command Restore-JameyBackup).Parameters['Deep'].ParameterSets.Keys | Should -Not -Contain 'Recover'
    }

    It 'accepts objects saved with Export-Clixml' {
        $xml = Join-Path $root 'newest.xml'
        Get-JameyBackup -BackupPath $repo -Newest 1 | Export-Clixml $xml
        $r = Import-Clixml $xml | Restore-JameyBackup -Destination (Join-Path $root 'from-clixml') -Confirm:$false
        $r.BackupId | Should -Be $backup.BackupId
    }

    It 'refuses several piped backups for one target and restores nothing' {
        New-JameyBackup -DataPath $data -BackupPath $repo | Out-Null
        $dest = Join-Path $root 'several'
        $err = { Get-JameyBackup -BackupPath $repo | Restore-JameyBackup -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MultipleBackupsForOneTarget,*'
        $dest | Should -Not -Exist
    }

    It 'refuses a corrupt backup, names the file, and changes nothing' {
        $bad = New-JameyBackup -DataPath $data -BackupPath (Join-Path $root 'repo-corrupt') -Full
        $m = Get-Content (Join-Path $bad.Path 'manifest.json') -Raw | ConvertFrom-Json
        $victim = ($m.files | Where-Object path -like 'memory/episodic/*' | Select-Object -First 1).stored
        $bytes = [IO.File]::ReadAllBytes((Join-Path $bad.Path $victim)); $bytes[10] = $bytes[10] -bxor 1
        [IO.File]::WriteAllBytes((Join-Path $bad.Path $victim), $bytes)
        $before = Get-ComponentPrint $data
        $err = { Restore-JameyBackup -InputObject $bad -DataPath $data -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupVerificationFailed,*'
        $err.Exception.Message | Should -BeLike "*$victim*"
        Get-ComponentPrint $data | ConvertTo-Json | Should -Be ($before | ConvertTo-Json)
        # Salvage is possible, and explicit.
        $r = Restore-JameyBackup -InputObject $bad -Destination (Join-Path $root 'salvage') -Component Database -AllowDamaged -Confirm:$false
        $r.Components | Should -Be 'Database'
    }

    It 'rejects manifests that name paths outside the backup, and writes nothing outside the target' -TestCases @(
        @{ Evil = '../../../escape.txt' }
        @{ Evil = '/tmp/escape-absolute.txt' }
        @{ Evil = 'link' }
    ) {
        $evilRepo = Join-Path $root "repo-evil-$([guid]::NewGuid().ToString('N'))"
        $b = New-JameyBackup -DataPath $data -BackupPath $evilRepo -Compression None -Full
        $manifestPath = Join-Path $b.Path 'manifest.json'
        $m = Get-Content $manifestPath -Raw | ConvertFrom-Json
        $entry = $m.files | Where-Object path -like 'memory/working/*' | Select-Object -First 1
        if ($Evil -eq 'link') {
            # The stored file becomes a symbolic link to a file outside the backup.
            $outside = Join-Path $root 'outside-secret.txt'; 'secret' | Set-Content $outside
            Remove-Item (Join-Path $b.Path $entry.stored)
            New-Item -ItemType SymbolicLink -Path (Join-Path $b.Path $entry.stored) -Target $outside | Out-Null
        }
        else {
            $entry.path = "memory/working/$Evil"; $entry.stored = "files/memory/working/$Evil"
            $m | ConvertTo-Json -Depth 10 | Set-Content $manifestPath
        }
        $dest = Join-Path $root "dest-evil-$([guid]::NewGuid().ToString('N'))"
        { Restore-JameyBackup -InputObject (Get-JameyBackup -BackupPath $evilRepo) -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw
        Join-Path $root 'escape.txt' | Should -Not -Exist
        '/tmp/escape-absolute.txt' | Should -Not -Exist
        if (Test-Path $dest) { @(Get-ChildItem $dest -Recurse -File | Where-Object FullName -notlike '*/.jamey3-restore/*').Count | Should -Be 0 }
    }

    It 'refuses while Jamey holds the database and indices open, and says how to proceed' {
        $holder = Start-JameyWriter -Path $data -Mode hold
        try {
            $before = Get-ComponentPrint $data
            $err = { Restore-JameyBackup -BackupPath $repo -BackupId $backup.BackupId -DataPath $data -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataInUse,*'
            $err.CategoryInfo.Category | Should -Be ResourceBusy
            $err.Exception.Message | Should -Match 'Stop Jamey|-Force'
            Get-ComponentPrint $data | ConvertTo-Json | Should -Be ($before | ConvertTo-Json)
        }
        finally { Stop-JameyWriter $holder | Out-Null }
    }

    It 'never moves a repository that sits inside an index folder: that restore is refused, the others go ahead' {
        $own = New-SampleData -Path (Join-Path $root 'nested-data') -Seed 23
        $b = New-JameyBackup -DataPath $own -BackupPath (Join-Path $root 'nested-repo')
        $nested = Join-Path $own 'memory/short_term/bk'
        Move-Item (Join-Path $root 'nested-repo') $nested
        $err = { Restore-JameyBackup -BackupPath $nested -BackupId $b.BackupId -DataPath $own -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UnsafeTargetPath,*'
        $err.Exception.Message | Should -BeLike "*$nested*"
        Join-Path $nested "backups/$($b.BackupId)/manifest.json" | Should -Exist
        (Restore-JameyBackup -BackupPath $nested -BackupId $b.BackupId -DataPath $own -Component Database -Confirm:$false).Verified | Should -BeTrue
        Join-Path $nested "backups/$($b.BackupId)/manifest.json" | Should -Exist
    }

    It 'refused for lack of space, leaves no .jamey3-restore behind' {
        $own = New-SampleData -Path (Join-Path $root 'space-data') -Seed 24
        $b = New-JameyBackup -DataPath $own -BackupPath (Join-Path $root 'space-repo')
        $manifestPath = Join-Path $b.Path 'manifest.json'
        $m = Get-Content $manifestPath -Raw | ConvertFrom-Json
        ($m.files | Where-Object component -eq 'Working' | Select-Object -First 1).size = [long]1 -shl 60
        $m | ConvertTo-Json -Depth 20 | Set-Content $manifestPath
        $err = { Restore-JameyBackup -InputObject $b -DataPath $own -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'NotEnoughSpace,*'
        Join-Path $own '.jamey3-restore' | Should -Not -Exist
    }
}

Describe 'Restore-JameyBackup killed at random moments' {
    It 'never leaves a mixed or broken component, and the next run recovers (<_> trials)' -ForEach @(20) {
        $trials = $_
        $killData = New-SampleData -Path (Join-Path $root 'kill-data') -Size '24MB' -Seed 33
        $killRepo = Join-Path $root 'kill-repo'
        $b = New-JameyBackup -DataPath $killData -BackupPath $killRepo -Compression None
        $new = (Restore-JameyBackup -InputObject $b -Destination (Join-Path $root 'kill-reference') -Confirm:$false).Destination
        $newPrint = Get-ComponentPrint $new
        # How long one whole restore takes in a fresh pwsh, start-up included: kill points are spread over it.
        $timer = [Diagnostics.Stopwatch]::StartNew()
        $p = Start-ChildPwsh -Script "Restore-JameyBackup -BackupPath '$killRepo' -BackupId '$($b.BackupId)' -DataPath '$killData' -Confirm:`$false | Out-Null"
        $p.WaitForExit()
        $fullMs = $timer.ElapsedMilliseconds
        $random = [Random]::new(12345)
        $outcomes = @{}
        for ($i = 1; $i -le $trials; $i++) {
            # Make the live data differ from the backup, so old and new can be told apart.
            $writer = Start-JameyWriter -Path $killData -IntervalMs 5 -Seed $i
            Start-Sleep -Milliseconds 700
            Stop-JameyWriter $writer | Out-Null
            $oldPrint = Get-ComponentPrint $killData

            $p = Start-ChildPwsh -Script "Restore-JameyBackup -BackupPath '$killRepo' -BackupId '$($b.BackupId)' -DataPath '$killData' -Confirm:`$false | Out-Null"
            # Stratified: trial i dies in the i-th slice of 15% to 150% of the measured run, at a random point inside it.
            # Past 100% covers runs slower than the measured one (the last trials may find the restore finished).
            $slice = 1.35 * $fullMs / $trials
            Start-Sleep -Milliseconds ([int](0.15 * $fullMs + ($i - 1) * $slice + $random.NextDouble() * $slice))
            $p.Kill($true); $p.WaitForExit()

            $now = Get-ComponentPrint $killData
            foreach ($k in @($now.Keys)) {
                $now[$k] | Should -BeIn @($oldPrint[$k], $newPrint[$k], $null) -Because "trial ${i}: $k must be old, new or (mid-swap) absent, never mixed"
            }
            $recovered = Restore-JameyBackup -Recover -DataPath $killData -Confirm:$false
            $after = Get-ComponentPrint $killData
            foreach ($k in @($after.Keys)) {
                $after[$k] | Should -BeIn @($oldPrint[$k], $newPrint[$k]) -Because "trial ${i}: after recovery $k must be whole"
                $state = if ($after[$k] -eq $newPrint[$k]) { 'new' } else { 'old' }
                $outcomes["$state"] = 1 + $outcomes["$state"]
            }
            (& sqlite3 "$killData/jamey.db" 'PRAGMA integrity_check;') | Should -Be 'ok'
            Get-ChildItem (Join-Path $killData '.jamey3-restore') -Filter journal.json -Recurse -ErrorAction Ignore | ForEach-Object {
                (Get-Content $_.FullName -Raw | ConvertFrom-Json).state | Should -BeIn @('Committed', 'RolledBack') -Because 'recovery leaves no unfinished restore'
            }
        }
        Write-Host "    component outcomes over $trials kills of a $fullMs ms restore: old $($outcomes['old']), new $($outcomes['new'])"
        # The kill points must have covered both sides of the swap.
        $outcomes['old'] | Should -BeGreaterThan 0
        $outcomes['new'] | Should -BeGreaterThan 0
    }
}
