# Shared by the Pester suite: the built module, generated sample data, child pwsh processes
# and a simulated running Jamey. Real files, real processes; nothing is mocked.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:SampleTool = Join-Path $script:RepoRoot 'out/tools/sample/jamey3-sample.dll'

function Get-JameyModulePath {
    if ($env:JAMEY3_MODULE_PATH) { return $env:JAMEY3_MODULE_PATH }
    Join-Path $script:RepoRoot 'out/Jamey3/Jamey3.psd1'
}

# The command that starts this same pwsh: 'dotnet pwsh.dll' for the dotnet tool, else pwsh itself.
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ((Split-Path $process -Leaf) -in 'dotnet', 'dotnet.exe') { return @($process, [Environment]::GetCommandLineArgs()[0]) }
    @($process)
}

# Runs a script in a fresh pwsh with the module imported; returns stdout lines, exit code in $LASTEXITCODE.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $cmd = Get-PwshCommand
    $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$(Get-JameyModulePath)'`n$Script"
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $args = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $full)
        & $cmd[0] @args 2>&1 | ForEach-Object { "$_" }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
}

# Starts a fresh pwsh running a script, without waiting; returns the process.
function Start-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script, [string] $LogPath)
    $cmd = Get-PwshCommand
    $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$(Get-JameyModulePath)'`n$Script"
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($full))
    $psi = [System.Diagnostics.ProcessStartInfo]::new($cmd[0])
    foreach ($a in (@($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded))) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($psi)
}

function New-SampleData {
    param([Parameter(Mandatory)] [string] $Path, [string] $Size = '400KB', [int] $Seed = 7)
    $out = & dotnet $script:SampleTool generate --path $Path --size $Size --seed $Seed 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sample generation failed: $out" }
    $Path
}

# Starts a simulated running Jamey (another process) writing to every component; returns once it holds its writers.
function Start-JameyWriter {
    param([Parameter(Mandatory)] [string] $Path, [int] $Seed = 3, [string] $Mode = 'write', [int] $IntervalMs = 20)
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $argList = @($script:SampleTool, $Mode, '--path', $Path)
    if ($Mode -eq 'write') { $argList += @('--seed', "$Seed", '--interval-ms', "$IntervalMs") }
    foreach ($a in $argList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        $line = $p.StandardOutput.ReadLine()
        if ($null -eq $line) { throw "the Jamey writer exited before it was ready: $($p.StandardError.ReadToEnd())" }
        if ($line -eq 'READY') { return $p }
    }
    $p.Kill($true)
    throw 'the Jamey writer did not become ready within 60 s'
}

function Stop-JameyWriter {
    param([Parameter(Mandatory)] [System.Diagnostics.Process] $Process)
    if ($Process.HasExited) { return $null }
    $Process.StandardInput.Close()   # the writer stops cleanly when its stdin closes
    if (-not $Process.WaitForExit(30000)) { $Process.Kill($true) }
    $Process.StandardOutput.ReadToEnd()
}

function New-TestDirectory {
    param([string] $Prefix = 'pester')
    $path = Join-Path ([IO.Path]::GetTempPath()) "jamey3-$Prefix-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $path | Select-Object -ExpandProperty FullName
}

<# A TCP port on 127.0.0.1 that nothing listens on at this moment. #>
function Get-FreePort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop(); $port
}

<#
Starts Debian's Prometheus on 127.0.0.1 with the repository's rules, scraping each job's target every
second, and waits until it is ready. Returns the process and its URL; stop it with Stop-TestPrometheus.
#>
function Start-TestPrometheus {
    param(
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Jobs,
        [string] $TsdbPath = (Join-Path $Root 'tsdb')
    )
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $port = Get-FreePort
    $config = Join-Path $Root 'prometheus.yml'
    $scrape = foreach ($job in $Jobs.Keys) {
        "  - job_name: $job`n    static_configs:`n      - targets: ['127.0.0.1:$($Jobs[$job])']"
    }
    @"
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - '$repoRoot/rules/*.yml'
scrape_configs:
$($scrape -join "`n")
"@ | Set-Content $config
    $process = Start-Process prometheus -PassThru -RedirectStandardError (Join-Path $Root 'prometheus.log') -ArgumentList @(
        "--config.file=$config", "--storage.tsdb.path=$TsdbPath", "--web.listen-address=127.0.0.1:$port")
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        try { if ((Invoke-WebRequest "$url/-/ready" -SkipHttpErrorCheck).StatusCode -eq 200) { break } } catch { }
        Start-Sleep -Milliseconds 250
    }
    [pscustomobject]@{ Process = $process; Url = $url }
}

function Stop-TestPrometheus($Prometheus) {
    if ($Prometheus -and -not $Prometheus.Process.HasExited) { $Prometheus.Process.Kill(); $Prometheus.Process.WaitForExit() }
}

<#
Starts the project's Azurite (tests/services, installed by Setup) on 127.0.0.1 with its blob files under
$Location, waits until it accepts connections, and returns the process and the port. The caller stops it.
#>
function Start-TestAzurite {
    param([Parameter(Mandatory)] [string] $Location)
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $azurite = Join-Path $repoRoot 'tests/services/node_modules/.bin/azurite-blob'
    $port = Get-FreePort
    $psi = [System.Diagnostics.ProcessStartInfo]::new($azurite)
    foreach ($a in '--blobHost', '127.0.0.1', '--blobPort', "$port", '--location', $Location, '--skipApiVersionCheck', '--silent') { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    $server = [System.Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); break }
        catch { if ($server.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "Azurite did not start on 127.0.0.1:${port}: $($server.StandardError.ReadToEnd())" }; Start-Sleep -Milliseconds 100 }
    }
    [pscustomobject]@{ Process = $server; Port = $port }
}

Export-ModuleMember -Function *
