BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = New-TestDirectory 'isolation'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $oldSqlite = Join-Path $packages.Trim() 'microsoft.data.sqlite.core/8.0.30/lib/net8.0/Microsoft.Data.Sqlite.dll'
    $oldPcl = Join-Path $packages.Trim() 'sqlitepclraw.core/2.1.11/lib/netstandard2.0/SQLitePCLRaw.core.dll'
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'Dependency isolation' {
    It 'works in a session that already loaded another Microsoft.Data.Sqlite and SQLitePCLRaw' {
        $oldSqlite | Should -Exist
        # The old assemblies load first, as another module would have loaded them; then Jamey3.
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldPcl'
Add-Type -Path '$oldSqlite'
Import-Module '$(Get-JameyModulePath)'
`$b = New-JameyBackup -DataPath '$data' -BackupPath '$root/repo'
(Test-JameyBackup -InputObject `$b).Passed
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Data.Sqlite' } | ForEach-Object { 'sqlite ' + `$_.GetName().Version.Major }
"@
        $cmd = Get-PwshCommand
        $out = & $cmd[0] @($cmd | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'True'
        $out | Should -Contain 'sqlite 8'
        $out | Should -Contain 'sqlite 10'
    }
}
