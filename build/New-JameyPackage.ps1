<#
.SYNOPSIS
    Makes the module package (Jamey3.<version>.nupkg) from a built module folder (out/Jamey3).
.DESCRIPTION
    PSResourceGet's own Compress-PSResource writes the .nupkg (nuspec from the manifest: version,
    description, tags, project and license links, release notes), so Install-PSResource installs
    it from any folder or feed repository. Runs in a fresh pwsh (build.ps1) so no Jamey3 DLL is loaded.
.EXAMPLE
    ./build.ps1 -Task Package
    Register-PSResourceRepository -Name local -Uri ./out/package -Trusted
    Install-PSResource Jamey3 -Repository local
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ModulePath = (Resolve-Path $ModulePath).Path
$manifest = Test-ModuleManifest (Join-Path $ModulePath 'Jamey3.psd1')
foreach ($file in 'LICENSE', 'CHANGELOG.md', 'Jamey3.Commands.dll', 'en-US/Jamey3.Commands.dll-Help.xml') {
    if (-not (Test-Path (Join-Path $ModulePath $file))) { throw "The module folder '$ModulePath' has no $file; run build.ps1 -Task Build first." }
}
New-Item -ItemType Directory -Force $OutputPath | Out-Null
$target = Join-Path $OutputPath "Jamey3.$($manifest.Version).nupkg"
if (Test-Path $target) { Remove-Item $target -Force }
Import-Module Microsoft.PowerShell.PSResourceGet
Compress-PSResource -Path $ModulePath -DestinationPath $OutputPath
if (-not (Test-Path $target)) { throw "Compress-PSResource did not write $target." }
Write-Host "Package written to $target"
