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

Export-ModuleMember -Function *
