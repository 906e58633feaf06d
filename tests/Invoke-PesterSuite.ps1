<#
.SYNOPSIS
    Runs the Pester suite against a built module, in this (fresh) process, and writes a summary.
.NOTES
    Called by build.ps1 in a new pwsh after each build: loaded DLLs cannot be unloaded, so a
    long-lived session would test a stale module.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $ResultsPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:JAMEY3_MODULE_PATH = (Resolve-Path $ModulePath).Path
$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot 'Pester'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ResultsPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = $ResultsPath
}
if ($Filter) { $config.Filter.FullName = $Filter -split ',' | ForEach-Object { "*$_*" } }
$result = Invoke-Pester -Configuration $config
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount } |
    ConvertTo-Json | Set-Content $SummaryPath
