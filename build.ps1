#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates Jamey3.
.DESCRIPTION
    Setup   installs what the tests need on Debian (when run as root) and restores tools and packages.
    Build   builds the solution and lays out an importable module in out/Jamey3.
    Test    Setup + Build, then every suite: xunit (engine), Pester (a fresh pwsh against the built
            module) and the alert-rule checks. Ends with one line "N passed, N failed".
    Demo    Setup + Build, then generates sample Jamey data, backs it up, lists and verifies it.
    Package Build, then out/package/Jamey3.<version>.nupkg: the module package Install-PSResource
            installs from a folder repository (build/New-JameyPackage.ps1).
.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Setup', 'Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Run only these suites (Engine, Pester, Rules).
    [ValidateSet('Engine', 'Pester', 'Rules')]
    [string[]] $Suite = @('Engine', 'Pester', 'Rules'),
    # Passed to Pester's filter (test names or tags).
    [string[]] $PesterTag,
    # Lay the module out with IL only: skips the ReadyToRun step (quicker builds while iterating).
    [switch] $NoReadyToRun
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'Jamey3'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:NO_COLOR = '1'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' exited with $LASTEXITCODE" }
}

function Invoke-Setup {
    # Debian packages the tests use (build/Get-MissingTestTool.ps1 lists them): promtool/amtool, jsonnet, node/npm,
    # chromium, a cron daemon, sqlite3, xmllint, systemd-analyze, flock, sshd, age.
    # Only missing ones are installed: with everything present, Setup runs no apt-get and needs no root.
    $missing = @(& (Join-Path $root 'build/Get-MissingTestTool.ps1'))
    if ($missing.Count -eq 0) { Write-Host 'Test tools: all installed.' }
    # Chromium only recommends fonts; without one the report test's screenshots have no text.
    if ($missing -contains 'chromium') { $missing += 'fonts-dejavu-core' }
    if ($missing.Count -gt 0) {
        if ($IsLinux -and (Get-Command apt-get -ErrorAction Ignore) -and ((& id -u) -eq '0')) {
            Write-Host "Installing Debian packages: $($missing -join ', ')"
            $env:DEBIAN_FRONTEND = 'noninteractive'
            Invoke-Native apt-get @('update', '-qq')
            # policy-rc.d keeps the packages from starting their services; tests start what they need.
            $policy = '/usr/sbin/policy-rc.d'
            $hadPolicy = Test-Path $policy
            if (-not $hadPolicy) { Set-Content $policy "#!/bin/sh`nexit 101"; & chmod +x $policy }
            try { Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing) }
            finally { if (-not $hadPolicy) { Remove-Item $policy -Force } }
        }
        else {
            Write-Warning "Not installed: $($missing -join ', '). Tests that need them will fail; install them (apt-get install $($missing -join ' '))."
        }
    }
    Invoke-Native dotnet @('tool', 'restore')
    Invoke-Native dotnet @('restore', (Join-Path $root 'build/tools.proj'))
    # Pinned Node packages of the tests: the storage emulators (Azurite, s3rver) and the monitoring tests' TypeScript
    # and Grafana dashboard types. Installed again only when a lock file is newer than what node_modules holds.
    foreach ($folder in 'tests/services', 'tests/web') {
        $dir = Join-Path $root $folder
        $lock = Join-Path $dir 'package-lock.json'
        $stamp = Join-Path $dir 'node_modules/.package-lock.json'
        if ((Test-Path $stamp) -and (Get-Item $lock -Force).LastWriteTimeUtc -le (Get-Item $stamp -Force).LastWriteTimeUtc) { continue }
        if (-not (Get-Command npm -ErrorAction Ignore)) { Write-Warning "npm is not installed: the tests that need $folder's packages will fail (install Node.js 20 or later)."; continue }
        Push-Location $dir
        try { Invoke-Native npm @('ci', '--no-audit', '--no-fund', '--loglevel=error') }
        finally { Pop-Location }
    }
}

function Get-NuGetPackageRoot {
    $line = & dotnet nuget locals global-packages --list
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'Jamey3.Backup.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    $deps = Join-Path $moduleDir 'dependencies'
    # The engine and everything it needs, native SQLite for every runtime included, go to dependencies/.
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/Jamey3.Engine/Jamey3.Engine.csproj'), '-c', $Configuration, '--no-build', '-o', $deps, '--nologo', '-v', 'quiet')
    # Native libraries only for the platforms Jamey3 supports (PowerShell 7.6 on Linux, macOS, Windows; x64 and arm64).
    $supported = 'linux-x64', 'linux-arm64', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64'
    Get-ChildItem (Join-Path $deps 'runtimes') -Directory | Where-Object Name -notin $supported | Remove-Item -Recurse -Force
    # Pipeline types must load once, in the default context, from the module root.
    Remove-Item (Join-Path $deps 'Jamey3.Model.*') -Force
    Get-ChildItem $deps -Filter '*.pdb' | Where-Object Name -notlike 'Jamey3.*' | Remove-Item -Force
    $commandsBin = Join-Path $root "src/Jamey3.Commands/bin/$Configuration/net10.0"
    foreach ($file in 'Jamey3.Commands.dll', 'Jamey3.Commands.pdb', 'Jamey3.Model.dll', 'Jamey3.Model.pdb') {
        Copy-Item (Join-Path $commandsBin $file) $moduleDir
    }
    if (-not $NoReadyToRun) { Add-ReadyToRunCode -Dependencies $deps }
    Copy-Item (Join-Path $root 'Jamey3.psd1') $moduleDir
    Copy-Item (Join-Path $root 'src/Module/*') $moduleDir -Recurse -Exclude 'Help'
    Copy-Item (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') $moduleDir
    & (Join-Path $root 'build/Test-JameyVersion.ps1') -Root $root | Out-Null

    # The sample-data tool, for tests, the demo and benchmarks.
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/Jamey3.SampleData/Jamey3.SampleData.csproj'), '-c', $Configuration, '--no-build', '-o', (Join-Path $out 'tools/sample'), '--nologo', '-v', 'quiet')

    # MAML help from the one source in src/Module/Help, generated in a fresh pwsh so no DLL stays loaded here.
    $helpScript = Join-Path $root 'build/New-JameyHelp.ps1'
    if (Test-Path $helpScript) {
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', $helpScript, '-ModulePath', (Join-Path $moduleDir 'Jamey3.psd1'), '-SourcePath', (Join-Path $root 'src/Module/Help'))
    }
    Write-Host "Module built in $moduleDir"
}

<#
Replaces Jamey3's own assemblies in the layout with ReadyToRun images for the building machine's OS and architecture:
a scheduled run's pwsh then JITs much less at import and at the first cmdlet call. The images keep their IL, so on any
other platform the runtime ignores the precompiled code and compiles as it always did. Third-party assemblies stay as
published (Lucene and the SDKs load only when a cmdlet needs them).
#>
function Add-ReadyToRunCode([string] $Dependencies) {
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $r2r = Join-Path $out 'r2r'
    try {
        foreach ($project in 'src/Jamey3.Engine/Jamey3.Engine.csproj', 'src/Jamey3.Commands/Jamey3.Commands.csproj') {
            Invoke-Native dotnet @('publish', (Join-Path $root $project), '-c', $Configuration, '-r', $rid, '--self-contained', 'false',
                '-p:PublishReadyToRun=true', '-o', $r2r, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
        }
        # Each image with the symbols of the build it came from, so stack traces keep their line numbers.
        Copy-Item (Join-Path $r2r 'Jamey3.Engine.*') $Dependencies -Include '*.dll', '*.pdb' -Force
        Copy-Item (Join-Path $r2r 'Jamey3.Commands.*'), (Join-Path $r2r 'Jamey3.Model.*') $moduleDir -Include '*.dll', '*.pdb' -Force
    }
    finally { if (Test-Path $r2r) { Remove-Item $r2r -Recurse -Force } }
}

function Read-TrxCounts([string] $trx) {
    $xml = [xml](Get-Content $trx -Raw)
    $c = $xml.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted }
}

function Invoke-Tests {
    $results = [System.Collections.Generic.List[object]]::new()
    $resultsDir = Join-Path $out 'test-results'
    if (Test-Path $resultsDir) { Remove-Item $resultsDir -Recurse -Force }
    New-Item -ItemType Directory $resultsDir | Out-Null

    if ('Engine' -in $Suite) {
        Write-Host '== Engine tests (xunit)'
        & dotnet test (Join-Path $root 'tests/Jamey3.Engine.Tests/Jamey3.Engine.Tests.csproj') -c $Configuration --no-build --nologo `
            --logger 'trx;LogFileName=engine.trx' --logger 'console;verbosity=minimal' --results-directory $resultsDir
        $trx = Join-Path $resultsDir 'engine.trx'
        if (Test-Path $trx) { $results.Add(((Read-TrxCounts $trx) | Add-Member -PassThru Suite 'Engine')) }
        else { $results.Add([pscustomobject]@{ Suite = 'Engine'; Passed = 0; Failed = 1 }) }
    }
    if ('Pester' -in $Suite) {
        Write-Host '== Module tests (Pester, in a fresh pwsh against the built module)'
        $summary = Join-Path $resultsDir 'pester.json'
        $pesterArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/Invoke-PesterSuite.ps1'),
            '-ModulePath', (Join-Path $moduleDir 'Jamey3.psd1'), '-PesterPath', (Join-Path (Get-NuGetPackageRoot) 'pester/6.2.0/tools/Pester.psd1'),
            '-SummaryPath', $summary, '-ResultsPath', (Join-Path $resultsDir 'pester.xml'))
        if ($PesterTag) { $pesterArgs += @('-Filter', ($PesterTag -join ',')) }
        & dotnet @pesterArgs
        if (Test-Path $summary) { $results.Add(((Get-Content $summary -Raw | ConvertFrom-Json) | Add-Member -PassThru Suite 'Pester')) }
        else { $results.Add([pscustomobject]@{ Suite = 'Pester'; Passed = 0; Failed = 1 }) }
    }
    if ('Rules' -in $Suite -and (Test-Path (Join-Path $root 'tests/rules/Test-Rules.ps1'))) {
        Write-Host '== Alert rules (promtool, amtool)'
        $lines = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/rules/Test-Rules.ps1') 2>&1 | ForEach-Object { "$_" }
        $lines | Write-Host
        $last = $lines | Where-Object { $_ -match '^\d+ passed, \d+ failed' } | Select-Object -Last 1
        if ($last -match '^(\d+) passed, (\d+) failed') { $results.Add([pscustomobject]@{ Suite = 'Rules'; Passed = [int]$Matches[1]; Failed = [int]$Matches[2] }) }
        else { $results.Add([pscustomobject]@{ Suite = 'Rules'; Passed = 0; Failed = 1 }) }
    }

    $results | Format-Table Suite, Passed, Failed | Out-String | Write-Host
    $passed = ($results | Measure-Object Passed -Sum).Sum
    $failed = ($results | Measure-Object Failed -Sum).Sum
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    $demo = Join-Path $out 'demo'
    if (Test-Path $demo) { Remove-Item $demo -Recurse -Force }
    $data = Join-Path $demo 'data'
    $repo = Join-Path $demo 'backups'
    $sample = Join-Path $out 'tools/sample/jamey3-sample.dll'
    Write-Host "== Generating 64 MB of sample Jamey data in $data"
    Invoke-Native dotnet @($sample, 'generate', '--path', $data, '--size', '64MB', '--seed', '42')
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $moduleDir 'Jamey3.psd1')'
Write-Host '== New-JameyBackup (while a simulated Jamey keeps writing)'
`$writer = Start-Process dotnet -ArgumentList '$sample', 'write', '--path', '$data', '--duration', '60' -PassThru -RedirectStandardOutput '$demo/writer.log'
Start-Sleep -Seconds 5   # the writer opens the database and five IndexWriters, then commits several times a second
New-JameyBackup -DataPath '$data' -BackupPath '$repo' | Format-Table
New-JameyBackup -DataPath '$data' -BackupPath '$repo' | Select-Object -ExpandProperty Components | Format-Table
Stop-Process -Id `$writer.Id -ErrorAction Ignore
Write-Host '== Get-JameyBackup'
Get-JameyBackup -BackupPath '$repo' | Format-Table
Write-Host '== Test-JameyBackup (restore to a private copy: every content hash, Lucene footers, index readers, quick_check)'
Get-JameyBackup -BackupPath '$repo' | Test-JameyBackup | Format-Table
"@
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-Package {
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'build/New-JameyPackage.ps1'),
        '-ModulePath', $moduleDir, '-OutputPath', (Join-Path $out 'package'))
}

foreach ($t in $Task) {
    switch ($t) {
        'Clean' { if (Test-Path $out) { Remove-Item $out -Recurse -Force } }
        'Setup' { Invoke-Setup }
        'Build' { Invoke-Build }
        'Test' { Invoke-Setup; Invoke-Build; Invoke-Tests }
        'Demo' { Invoke-Setup; Invoke-Build; Invoke-Demo }
        'Package' { Invoke-Build; Invoke-Package }
    }
}
