# Copy-JameyBackup in the built module: to a folder and to a real Azurite on 127.0.0.1, from the pipeline, with
# -WhatIf, progress and credentials; and copies killed with SIGKILL at random moments in real child processes.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'copy'
    $data = New-SampleData -Path (Join-Path $root 'data') -Size '400KB'
    $repo = Join-Path $root 'repo'
    $first = New-JameyBackup -DataPath $data -BackupPath $repo

    $azuriteServer = Start-TestAzurite (Join-Path $root 'azurite')
    $server = $azuriteServer.Process; $port = $azuriteServer.Port
    # Azurite's published development account key: not a secret, but treated as one here.
    $accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    $env:JAMEY3_AZURE_ENDPOINT = "http://127.0.0.1:$port/devstoreaccount1"
    $azureCredential = [pscredential]::new('devstoreaccount1', (ConvertTo-SecureString $accountKey -AsPlainText -Force))

    # Every object a published backup names is at the destination folder with the stored SHA-256 its manifest records.
    function Assert-DestinationWhole([string] $Destination, [string] $BackupId) {
        $manifest = Get-Content -Raw (Join-Path $Destination "manifests/$BackupId") | ConvertFrom-Json
        $manifest.backupId | Should -Be $BackupId
        foreach ($o in $manifest.objects) {
            $file = Join-Path $Destination "data/$($o.name.Substring(0, 2))/$($o.name)"
            $file | Should -Exist
            (Get-FileHash $file -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $o.storedSha256
        }
    }
}
AfterAll {
    Remove-Item Env:JAMEY3_AZURE_ENDPOINT -ErrorAction Ignore
    if ($server -and -not $server.HasExited) { $server.Kill($true); $server.WaitForExit(10000) | Out-Null }
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Copy-JameyBackup' -Tag 'CopyJameyBackup' {
    It 'copies piped backups to a folder, publishes them last and reports what it sent' {
        $dest = Join-Path $root 'usb'
        Get-JameyBackup -BackupPath $repo | Copy-JameyBackup -Destination $dest -WhatIf
        $dest | Should -Not -Exist

        $result = Get-JameyBackup -BackupPath $repo | Copy-JameyBackup -Destination $dest
        $result.PSObject.TypeNames | Should -Contain 'Jamey3.JameyCopyResult'
        $result.BackupId | Should -Be $first.BackupId
        $result.Published | Should -BeTrue
        $result.ObjectsSent | Should -Be $result.ObjectCount
        $result.BytesSent | Should -BeGreaterThan 0
        $result.Destination | Should -Be $dest
        Assert-DestinationWhole $dest $first.BackupId
        @(Get-ChildItem (Join-Path $dest 'leases') -File -ErrorAction Ignore).Count | Should -Be 0

        # Nothing new: an unnamed copy emits nothing; a named one says the backup was already there.
        Copy-JameyBackup -BackupPath $repo -Destination $dest | Should -BeNullOrEmpty
        $again = Copy-JameyBackup -BackupPath $repo -BackupId $first.BackupId -Destination $dest
        $again.Published | Should -BeFalse
        $again.ObjectsSent | Should -Be 0
    }

    It 'names an unknown backup with a stable error id and copies the others' {
        $dest = Join-Path $root 'usb-unknown'
        $out = Copy-JameyBackup -BackupPath $repo -BackupId '20990101-000000-000', $first.BackupId -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.BackupId | Should -Be $first.BackupId
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound*'
        $errs[0].TargetObject | Should -Be '20990101-000000-000'
    }

    It 'refuses a location that carries a secret, without quoting it' {
        { Copy-JameyBackup -BackupPath $repo -Destination 'azure://devstoreaccount1/c1/p?sig=topsecretsignature' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*query string*'
        try { Copy-JameyBackup -BackupPath $repo -Destination 'azure://devstoreaccount1/c1/p?sig=topsecretsignature' -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'ObjectStoreLocationInvalid*'
        "$e" | Should -Not -Match 'topsecretsignature'
    }

    It 'copies to Azurite with -Credential, shows objects and bytes in its progress, and writes no credential anywhere' {
        $url = "azure://devstoreaccount1/pester/copy-$([guid]::NewGuid().ToString('N'))"
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-JameyModulePath)).AddStatement()
        $null = $ps.AddCommand('Copy-JameyBackup').AddParameter('BackupPath', $repo).AddParameter('Destination', $url).AddParameter('Credential', $azureCredential).
            AddParameter('ThrottleLimit', 2).AddParameter('MaxBytesPerSecond', 50MB)
        $copied = $ps.Invoke()
        $ps.HadErrors | Should -BeFalse -Because ($ps.Streams.Error -join "`n")
        $copied.Count | Should -Be 1
        $copied[0].Published | Should -BeTrue
        $progress = @($ps.Streams.Progress)
        $ps.Dispose()
        $progress[-1].RecordType | Should -Be Completed
        $result = Copy-JameyBackup -BackupPath $repo -BackupId $first.BackupId -Destination $url -Credential $azureCredential
        $result.Published | Should -BeFalse
        $result.ObjectsPresent | Should -Be $result.ObjectCount
        $status = ($progress | Where-Object { $_.StatusDescription -like '* objects, *' } | Select-Object -Last 1)
        $status | Should -Not -BeNullOrEmpty
        $status.StatusDescription | Should -Match '^\d+ of \d+ objects, .* of .* sent$'
        # A wrong key fails with the store's error id; the failure is recorded without the key.
        $wrong = [pscredential]::new('devstoreaccount1', (ConvertTo-SecureString 'V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=' -AsPlainText -Force))
        $other = "azure://devstoreaccount1/pester/copy-$([guid]::NewGuid().ToString('N'))"
        Copy-JameyBackup -BackupPath $repo -Destination $other -Credential $wrong -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -BeGreaterThan 0
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ObjectStore*'
        "$($errs[0])" | Should -Not -Match 'V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5'
        foreach ($file in Get-ChildItem $repo, (Join-Path $root 'azurite') -Recurse -File) {
            $text = [System.Text.Encoding]::Latin1.GetString([System.IO.File]::ReadAllBytes($file.FullName))
            $text.Contains($accountKey) | Should -BeFalse -Because "$($file.FullName) must not hold the account key"
            $text.Contains('V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5') | Should -BeFalse -Because "$($file.FullName) must not hold the wrong key"
        }
        $copies = Get-ChildItem (Join-Path $repo 'state/copies') -Filter *.json | ForEach-Object { Get-Content -Raw $_.FullName | ConvertFrom-Json }
        ($copies | Where-Object destination -eq $url).lastOutcome | Should -Be 'Succeeded'
        ($copies | Where-Object destination -eq $other).lastOutcome | Should -Be 'Failed'
    }

    It 'never lists a backup when the copying process is killed at a random moment, and the next copy completes' {
        $dest = Join-Path $root 'killed'
        $rnd = [Random]::new(20261202)
        $trials = 10
        $killedBeforePublish = 0
        # Paced so a copy takes a few seconds; the child says when it starts copying.
        # Progress off: a child with redirected output writes it to stderr, and an unread pipe would block it.
        function Get-CopyScript([string] $To) {
            "`$ProgressPreference = 'SilentlyContinue'; [Console]::Out.WriteLine('COPYING'); [Console]::Out.Flush(); Copy-JameyBackup -BackupPath '$repo' -Destination '$To' -MaxBytesPerSecond 100KB -ThrottleLimit 2 | Out-Null; 'DONE'"
        }
        # How long one whole copy takes on this machine now (engine load, check, paced uploads), so the kills land
        # inside the copy whatever the machine's speed or load.
        $probe = Start-ChildPwsh -Script (Get-CopyScript (Join-Path $root 'probe'))
        $probe.StandardError.ReadToEndAsync() | Out-Null
        $probe.StandardOutput.ReadLine() | Should -Be 'COPYING'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $probe.WaitForExit(120000) | Should -BeTrue
        $span = [int][math]::Max(500, $clock.ElapsedMilliseconds)
        for ($i = 0; $i -lt $trials; $i++) {
            $child = Start-ChildPwsh -Script (Get-CopyScript $dest)
            try {
                $stderr = $child.StandardError.ReadToEndAsync()
                $line = $child.StandardOutput.ReadLine()
                if ($line -ne 'COPYING') { throw "the child did not start copying: $line $($stderr.Result)" }   # .Result waits for its exit
                # A random moment within the first 60% of a whole copy: a trial after a kill resumes, sending only what is
                # missing, so it ends sooner than the probe did; later moments would mostly find it published.
                Start-Sleep -Milliseconds $rnd.Next([int]($span * 0.05), [int]($span * 0.6))
                if (-not $child.HasExited) { $child.Kill() }   # SIGKILL on Unix: no cleanup runs
                $child.WaitForExit(10000) | Out-Null
            }
            finally { if (-not $child.HasExited) { $child.Kill($true) } }
            $published = @(Get-ChildItem (Join-Path $dest 'manifests') -File -ErrorAction Ignore)
            if ($published.Count -gt 0) {
                # Published (the kill came after the manifest, or the copy ended): then it must be whole.
                Assert-DestinationWhole $dest $first.BackupId
                Remove-Item $dest -Recurse -Force   # start the next trial from scratch
            }
            elseif ($child.ExitCode -ne 0) { $killedBeforePublish++ }
        }
        $killedBeforePublish | Should -BeGreaterOrEqual 5 -Because 'most trials must kill a copy before it publishes'
        $result = Copy-JameyBackup -BackupPath $repo -Destination $dest
        $result.Published | Should -BeTrue
        $result.ObjectsSent + $result.ObjectsPresent | Should -Be $result.ObjectCount
        Assert-DestinationWhole $dest $first.BackupId
    }
}
