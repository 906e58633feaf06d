# The object stores' SDKs (Azure.Storage.Blobs with Azure.Core/System.ClientModel/System.Memory.Data, AWSSDK.S3,
# SSH.NET) must load inside pwsh, in the module's own load context, at assembly versions pwsh can hold. Proved
# against a real Azurite on 127.0.0.1 through the engine's hidden self-test entry point (no cmdlet yet).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = New-TestDirectory 'objectstores'
    $azuriteServer = Start-TestAzurite (Join-Path $root 'azurite')
    $server = $azuriteServer.Process; $port = $azuriteServer.Port
    # Azurite's published development account key (not a secret).
    $storeEnv = @{
        AZURE_STORAGE_KEY     = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
        JAMEY3_AZURE_ENDPOINT = "http://127.0.0.1:$port/devstoreaccount1"
    }
}
AfterAll {
    if ($server -and -not $server.HasExited) { $server.Kill($true); $server.WaitForExit(10000) | Out-Null }
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Object stores inside pwsh' -Tag 'ObjectStores' {
    It 'loads the store SDKs in the Jamey3 load context and round-trips an object through Azurite' {
        $empty = Join-Path $root 'empty-repo'
        New-Item -ItemType Directory $empty | Out-Null
        $script = @"
# Any engine call creates the module's load context; an empty repository lists nothing.
Get-JameyBackup -BackupPath '$empty' -ErrorAction SilentlyContinue | Out-Null
`$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Jamey3.Dependencies'
`$engine = `$alc.Assemblies | Where-Object { `$_.GetName().Name -eq 'Jamey3.Engine' }
`$type = `$engine.GetType('Jamey3.Engine.Stores.StoreSelfTest', `$true)
`$method = `$type.GetMethod('RoundTrip', [System.Reflection.BindingFlags]'Static, NonPublic, Public')
`$method.Invoke(`$null, @('azure://devstoreaccount1/pester/selftest', 3145728))
# The SDKs must not have leaked into the default context.
[System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -in 'Azure.Core', 'Azure.Storage.Blobs', 'AWSSDK.S3', 'Renci.SshNet' } | ForEach-Object { 'default ' + `$_.GetName().Name }
"@
        $out = Invoke-ChildPwsh -Script $script -Environment $storeEnv
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $text = $out -join "`n"
        $out | Should -Contain 'roundtrip exact 3145728' -Because $text
        $out | Should -Contain 'listed 1' -Because $text
        $out | Should -Contain 'deleted yes' -Because $text
        foreach ($name in 'Azure.Storage.Blobs', 'Azure.Core', 'System.ClientModel', 'System.Memory.Data', 'System.IO.Hashing', 'AWSSDK.S3', 'AWSSDK.Core', 'Renci.SshNet') {
            $line = $out | Where-Object { $_ -like "assembly $name *" }
            $line | Should -Not -BeNullOrEmpty -Because "$name must load ($text)"
            $line | Should -BeLike '* Jamey3.Dependencies' -Because "$name must load in the module's own context ($text)"
            # Nothing above .NET 10's own assembly versions (a higher one fails to bind inside pwsh 7.6).
            if ($name -like 'System.*') { [version]($line -split ' ')[2] | Should -BeLessThan ([version]'11.0.0.0') -Because $line }
        }
        $out | Where-Object { $_ -like 'default *' } | Should -BeNullOrEmpty -Because $text
        $text | Should -Not -Match 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq'
    }
}
