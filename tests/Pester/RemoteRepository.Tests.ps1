# Reading a remote repository from a real pwsh running the built module, against a real Azurite on 127.0.0.1:
# the disaster drill (data directory and local repository deleted, restore from the URL and a credential alone),
# a damaged object found by Test-JameyBackup (full and sampled) and refused by Restore-JameyBackup, and a tampered
# or replayed manifest refused with a clear error before anything is written.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'remote-repository'
    $azuriteServer = Start-TestAzurite (Join-Path $root 'azurite')
    $server = $azuriteServer.Process; $port = $azuriteServer.Port
    # The endpoint is not a secret; the key (Azurite's published development key, treated as a secret here) is passed
    # only as -Credential, never through the environment, so the drill proves "URL and credential alone".
    $env:JAMEY3_AZURE_ENDPOINT = "http://127.0.0.1:$port/devstoreaccount1"
    $accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    $credential = [pscredential]::new('devstoreaccount1', (ConvertTo-SecureString $accountKey -AsPlainText -Force))

    # The engine's public store types, from the module's own load context (the test writes and damages objects with them).
    function Get-EngineType([string] $Name) {
        $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Jamey3.Dependencies'
        $engine = $alc.Assemblies | Where-Object { $_.GetName().Name -eq 'Jamey3.Engine' }
        $engine.GetType("Jamey3.Engine.$Name", $true)
    }
    function Open-Store([string] $Url) {
        $options = [Activator]::CreateInstance((Get-EngineType 'Stores.ObjectStoreOptions'))
        $credType = Get-EngineType 'Stores.AzureStorageCredential'
        $options.GetType().GetProperty('Credential').SetValue($options, $credType.GetMethod('FromAccountKey').Invoke($null, @($accountKey)))
        $open = (Get-EngineType 'Stores.ObjectStores').GetMethods() | Where-Object { $_.Name -eq 'Open' -and $_.GetParameters()[0].ParameterType -eq [string] }
        $open.Invoke($null, @($Url, $options))
    }
    function Write-StoreObject($Store, [string] $Key, [byte[]] $Bytes, [bool] $CreateOnly = $true) {
        $sha = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
        $write = [Activator]::CreateInstance((Get-EngineType 'Stores.ObjectWrite'), @($sha, $CreateOnly))
        $Store.WriteAsync($Key, [IO.MemoryStream]::new($Bytes), $write, [Threading.CancellationToken]::None).GetAwaiter().GetResult() | Out-Null
    }
    function Read-StoreObject($Store, [string] $Key) {
        $s = $Store.OpenReadAsync($Key, $null, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
        try { $ms = [IO.MemoryStream]::new(); $s.CopyTo($ms); , $ms.ToArray() } finally { $s.Dispose() }
    }
    function Get-Sha([byte[]] $Bytes) { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }

    # Lays a local backup out as docs/remote-format.md says (config, one object per stored part named by its content
    # hash, the index, the manifest last), through the engine's stores; Copy-JameyBackup is the product's writer.
    function Publish-RemoteBackup([string] $Repository, [string] $BackupId, [string] $Url) {
        $store = Open-Store $Url
        $codec = (Get-EngineType 'Remote.PlainObjectCodec').GetField('Instance').GetValue($null)
        (Get-EngineType 'Remote.RemoteRepository').GetMethod('OpenOrCreateAsync').Invoke($null, @($store, $codec, $null, [Threading.CancellationToken]::None)).GetAwaiter().GetResult() | Out-Null
        $folder = Join-Path $Repository "backups/$BackupId"
        $manifestText = [IO.File]::ReadAllText((Join-Path $folder 'manifest.json'))
        $manifest = $manifestText | ConvertFrom-Json
        $objects = [System.Collections.Generic.List[object]]::new()
        foreach ($f in $manifest.files) {
            $parts = if ($f.PSObject.Properties['chunks'] -and $f.chunks) { $f.chunks } else { @($f) }
            foreach ($p in $parts) {
                $bytes = [IO.File]::ReadAllBytes((Join-Path $folder $p.stored))
                $name = $p.sha256.ToLowerInvariant()
                try { Write-StoreObject $store "data/$($name.Substring(0, 2))/$name" $bytes } catch { if ("$_" -notmatch 'already') { throw } }
                $objects.Add([ordered]@{ name = $name; compression = "$($p.compression)"; storedSize = $bytes.Length; storedSha256 = (Get-Sha $bytes) })
            }
        }
        $seen = @{}
        $indexObjects = @($objects | Where-Object { -not $seen.ContainsKey($_.name) -and ($seen[$_.name] = $true) } | ForEach-Object { [ordered]@{ name = $_.name; storedSize = $_.storedSize; storedSha256 = $_.storedSha256 } })
        $createdAt = ([regex]::Match($manifestText, '"createdAt"\s*:\s*"([^"]+)"')).Groups[1].Value
        $index = [Text.Encoding]::UTF8.GetBytes('{"format":1,"backupId":"' + $BackupId + '","createdAt":"' + $createdAt + '","objects":' + (ConvertTo-Json -InputObject $indexObjects -Compress -Depth 5) + '}')
        Write-StoreObject $store "indexes/$BackupId" $index
        $remote = '{"format":1,"backupId":"' + $BackupId + '","copiedAt":"' + [DateTimeOffset]::UtcNow.ToString('o') + '","indexSha256":"' + (Get-Sha $index) + '","objects":' +
            (ConvertTo-Json -InputObject @($objects) -Compress -Depth 5) + ',"manifest":' + $manifestText + '}'
        Write-StoreObject $store "manifests/$BackupId" ([Text.Encoding]::UTF8.GetBytes($remote))
        $store
    }
    function Get-DatabaseRows([string] $db) {
        (& sqlite3 -readonly $db "SELECT id, content, layer, updated_at FROM memory_records ORDER BY id; SELECT key, value FROM app_metadata ORDER BY key;") -join "`n"
    }
    function Get-IndexDocs([string] $dataPath) {
        $b = New-JameyBackup -DataPath $dataPath -BackupPath (Join-Path $root "count-$([guid]::NewGuid().ToString('N'))") -Compression None -Full
        ($b.Components | Where-Object Component -ne Database | Sort-Object Component | ForEach-Object { "$($_.Component)=$($_.DocumentCount)" }) -join ';'
    }
}
AfterAll {
    if ($server -and -not $server.HasExited) { $server.Kill($true); $server.WaitForExit(10000) | Out-Null }
    Remove-Item Env:JAMEY3_AZURE_ENDPOINT -ErrorAction Ignore
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'RemoteRepository: reading a remote repository' -Tag 'RemoteRepository' {
    BeforeAll {
        $data = New-SampleData -Path (Join-Path $root 'data') -Size '600KB' -Seed 41
        $repo = Join-Path $root 'repo'
        $backup = New-JameyBackup -DataPath $data -BackupPath $repo
        $url = "azure://devstoreaccount1/pester-remote/$([guid]::NewGuid().ToString('N'))"
        $store = Publish-RemoteBackup $repo $backup.BackupId $url
        $manifest = Get-Content (Join-Path $repo "backups/$($backup.BackupId)/manifest.json") -Raw | ConvertFrom-Json
        $dbEntry = $manifest.files | Where-Object component -eq 'Database'
    }

    It 'survives the disaster drill: data and local repository deleted, restored on a clean folder from the URL and credential alone' {
        $rows = Get-DatabaseRows (Join-Path $data 'jamey.db')
        $docs = ($backup.Components | Where-Object Component -ne Database | Sort-Object Component | ForEach-Object { "$($_.Component)=$($_.DocumentCount)" }) -join ';'
        $rowCounts = ($backup.Components | Where-Object Component -eq Database).RowCounts
        Remove-Item $data, $repo -Recurse -Force

        $listed = @(Get-JameyBackup -BackupPath $url -Credential $credential)
        $listed.Count | Should -Be 1
        $listed[0].BackupId | Should -Be $backup.BackupId
        $listed[0].Status | Should -Be 'Complete'
        (Test-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential).Passed | Should -BeTrue

        $clean = Join-Path $root 'clean'
        $result = $listed[0] | Restore-JameyBackup -Credential $credential -DataPath $clean -Confirm:$false
        $result.Verified | Should -BeTrue
        Test-Path $repo | Should -BeFalse
        # Every database byte, every row, every index document of the backup.
        (Get-FileHash (Join-Path $clean 'jamey.db') -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $dbEntry.sha256.ToLowerInvariant()
        Get-DatabaseRows (Join-Path $clean 'jamey.db') | Should -Be $rows
        foreach ($table in $rowCounts.Keys) {
            (& sqlite3 -readonly (Join-Path $clean 'jamey.db') "SELECT count(*) FROM $table") | Should -Be $rowCounts[$table]
        }
        Get-IndexDocs $clean | Should -Be $docs
        foreach ($f in $manifest.files) {
            (Get-FileHash (Join-Path $clean $f.path) -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $f.sha256.ToLowerInvariant()
        }
        # The credential is in no file the run wrote.
        Get-ChildItem $clean -Recurse -File | Where-Object { (Select-String -LiteralPath $_.FullName -SimpleMatch $accountKey -Quiet) } | Should -BeNullOrEmpty
    }

    It 'names an altered object in the full and the sampled check, and a restore refuses it, leaving the live data untouched' {
        $chunk = $dbEntry.chunks[0]
        $key = "data/$($chunk.sha256.Substring(0, 2))/$($chunk.sha256)"
        $bytes = Read-StoreObject $store $key
        $original = [byte[]]$bytes.Clone()
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x5a
        Write-StoreObject $store $key $bytes -CreateOnly $false
        try {
            $full = Test-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential
            $full.Passed | Should -BeFalse
            ($full.Problems | Where-Object { $_.Message -like "*$key*" }) | Should -Not -BeNullOrEmpty -Because ($full.Problems -join "`n")
            $sampled = Test-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential -Sample 100
            $sampled.Mode | Should -Be 'Sampled'
            $sampled.Passed | Should -BeFalse
            ($sampled.Problems | Where-Object { $_.Message -like "*$key*stored SHA-256*" -and $_.File -eq $chunk.stored }) | Should -Not -BeNullOrEmpty -Because ($sampled.Problems -join "`n")

            $live = Join-Path $root 'clean'   # restored by the drill: live data now
            $before = (Get-ChildItem $live -Recurse -File | Sort-Object FullName | ForEach-Object { "$($_.FullName)=$((Get-FileHash $_.FullName).Hash)" }) -join "`n"
            { Restore-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential -DataPath $live -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'BackupVerificationFailed,*'
            (Get-ChildItem $live -Recurse -File | Sort-Object FullName | ForEach-Object { "$($_.FullName)=$((Get-FileHash $_.FullName).Hash)" }) -join "`n" | Should -Be $before
        }
        finally { Write-StoreObject $store $key $original -CreateOnly $false }
    }

    It 'refuses a tampered or replayed manifest with a clear error and writes nothing' {
        $manifestKey = "manifests/$($backup.BackupId)"
        $original = Read-StoreObject $store $manifestKey
        $otherId = ([DateTime]::ParseExact($backup.BackupId, 'yyyyMMdd-HHmmss-fff', $null)).AddMinutes(5).ToString('yyyyMMdd-HHmmss-fff')
        Write-StoreObject $store "manifests/$otherId" $original
        $target = Join-Path $root 'never'
        $err = { Restore-JameyBackup -BackupPath $url -BackupId $otherId -Credential $credential -DataPath $target -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
        "$err" | Should -BeLike "*replay*"
        $listed = Get-JameyBackup -BackupPath $url -Credential $credential
        ($listed | Where-Object BackupId -eq $otherId).Status | Should -Be 'Damaged'

        $text = [Text.Encoding]::UTF8.GetString($original)
        $edited = $text.Replace($dbEntry.sha256, ('0' * 64))
        Write-StoreObject $store $manifestKey ([Text.Encoding]::UTF8.GetBytes($edited)) -CreateOnly $false
        try {
            $err = { Restore-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential -DataPath $target -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
            "$err" | Should -BeLike "*$manifestKey*"
            Test-Path $target | Should -BeFalse
            $t = Test-JameyBackup -BackupPath $url -BackupId $backup.BackupId -Credential $credential -Sample 10
            $t.Passed | Should -BeFalse
            $t.Problems[0].Message | Should -BeLike '*is not valid*'
        }
        finally { Write-StoreObject $store $manifestKey $original -CreateOnly $false }
        # The error messages and the results never carry the credential.
        "$err" | Should -Not -Match ([regex]::Escape($accountKey.Substring(0, 20)))
    }

    It 'keeps local paths working as before, and refuses -Sample on a local repository' {
        $local = Join-Path $root 'local-repo'
        $d = New-SampleData -Path (Join-Path $root 'data2') -Size '200KB' -Seed 5
        $b = New-JameyBackup -DataPath $d -BackupPath $local
        (Test-JameyBackup -BackupPath $local -BackupId $b.BackupId -Quick).Passed | Should -BeTrue
        { Test-JameyBackup -BackupPath $local -BackupId $b.BackupId -Sample 5 -ErrorAction Stop } | Should -Throw -ErrorId 'RemoteNotSupported,*'
    }
}
