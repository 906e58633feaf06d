# Remove-JameyBackup on a remote repository (an Azure URL, against a real Azurite on 127.0.0.1), in a fresh pwsh
# running the built module: retention by policy, removal by id, refusals, -WhatIf, and no credential in any error.
# The repository is filled by the engine's copier (called through reflection, as Copy-JameyBackup would), from
# real local backups of sample data. Credentials reach the store only through the environment.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = New-TestDirectory 'remote-retention'
    $azuriteServer = Start-TestAzurite (Join-Path $root 'azurite')
    $server = $azuriteServer.Process; $port = $azuriteServer.Port
    # Azurite's published development account key (not a secret, but it must still appear in no output).
    $accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    $storeEnv = @{ AZURE_STORAGE_KEY = $accountKey; JAMEY3_AZURE_ENDPOINT = "http://127.0.0.1:$port/devstoreaccount1" }

    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    $script:url = "azure://devstoreaccount1/pester-retention/$([guid]::NewGuid().ToString('n'))"
    $script:ids = @(Invoke-ChildPwsh -Script "1..3 | ForEach-Object { (New-JameyBackup -DataPath '$data' -BackupPath '$repo').BackupId }")
    $LASTEXITCODE | Should -Be 0 -Because ($ids -join "`n")
    $copy = @"
`$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Jamey3.Dependencies'
if (-not `$alc) { Get-JameyBackup -BackupPath '$repo' | Out-Null; `$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Jamey3.Dependencies' }
`$engine = `$alc.Assemblies | Where-Object { `$_.GetName().Name -eq 'Jamey3.Engine' }
`$stores = `$engine.GetType('Jamey3.Engine.Stores.ObjectStores', `$true)
`$store = `$stores::Open('$url', `$null)
`$store.EnsureExistsAsync(`$true, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
`$request = `$engine.GetType('Jamey3.Engine.Remote.CopyRequest', `$true)::new('$repo', `$store)
`$copier = `$engine.GetType('Jamey3.Engine.Remote.RemoteCopier', `$true)::new(`$null)
`$run = `$copier.CopyAsync(`$request, `$null, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
'copied ' + `$run.Results.Count + ' failed ' + `$run.Failures.Count
"@
    $out = Invoke-ChildPwsh -Script $copy -Environment $storeEnv
    $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
    $out | Should -Contain 'copied 3 failed 0' -Because ($out -join "`n")
}
AfterAll {
    if ($server -and -not $server.HasExited) { $server.Kill($true); $server.WaitForExit(10000) | Out-Null }
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Remove-JameyBackup on a remote repository' -Tag 'RemoteRetention' {
    It '-WhatIf names the backups the policy would remove and removes nothing' {
        $out = Invoke-ChildPwsh -Script "Remove-JameyBackup -BackupPath '$url' -Retention -MaxBackups 1 -WhatIf" -Environment $storeEnv
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $text = $out -join "`n"
        $text | Should -Match ([regex]::Escape($ids[0]))
        $text | Should -Match ([regex]::Escape($ids[1]))
        $text | Should -Not -Match ([regex]::Escape($ids[2]))
    }

    It 'applies the policy: the two older backups are removed, the newest kept and protected' {
        $out = Invoke-ChildPwsh -Script @"
Remove-JameyBackup -BackupPath '$url' -Retention -MaxBackups 1 -GracePeriod 00:00:02 -Confirm:`$false -PassThru | ForEach-Object { 'removed ' + `$_.BackupId + ' ' + `$_.Removed }
"@ -Environment $storeEnv
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain "removed $($ids[0]) True"
        $out | Should -Contain "removed $($ids[1]) True"
        $out | Where-Object { $_ -like 'removed *' } | Should -HaveCount 2
        # What is left: the removed ids are unknown there now, the kept one is protected.
        $check = Invoke-ChildPwsh -Script @"
foreach (`$id in '$($ids[0])', '$($ids[2])') {
    try { Remove-JameyBackup -BackupPath '$url' -BackupId `$id -Confirm:`$false -ErrorAction Stop; 'no error ' + `$id }
    catch { `$_.FullyQualifiedErrorId.Split(',')[0] + ' ' + `$id + ' ' + `$_.Exception.Message }
}
"@ -Environment $storeEnv
        $text = $check -join "`n"
        $check | Where-Object { $_ -like "BackupNotFound $($ids[0]) *" } | Should -Not -BeNullOrEmpty -Because $text
        $check | Where-Object { $_ -like "BackupProtected $($ids[2]) *" } | Should -Not -BeNullOrEmpty -Because $text
        $text | Should -Not -Match ([regex]::Escape($accountKey.Substring(0, 20)))
    }

    It 'refuses a negative grace period and a location with a secret, naming neither secret' {
        $out = Invoke-ChildPwsh -Script @"
try { Remove-JameyBackup -BackupPath '$url' -Retention -GracePeriod (New-TimeSpan -Seconds -5) -Confirm:`$false } catch { `$_.FullyQualifiedErrorId.Split(',')[0] }
try { Remove-JameyBackup -BackupPath '$url/x?sv=2024&sig=hunter2' -BackupId 20250101-000000-000 -Confirm:`$false } catch { `$_.FullyQualifiedErrorId.Split(',')[0] + ' ' + `$_.Exception.Message }
"@ -Environment $storeEnv
        $text = $out -join "`n"
        $out | Should -Contain 'InvalidGracePeriod' -Because $text
        $out | Where-Object { $_ -like 'ObjectStoreLocationInvalid *' } | Should -Not -BeNullOrEmpty -Because $text
        $text | Should -Not -Match 'hunter2'
    }
}
