<#
.SYNOPSIS
    Checks that the module has one version: Directory.Build.props' <Version> (the one source), which
    Jamey3.psd1's ModuleVersion and the newest CHANGELOG.md section ("## <version>") must repeat.
.OUTPUTS
    The version, when everything agrees; otherwise it throws, naming the file that differs.
#>
param([Parameter(Mandatory)] [string] $Root)
$ErrorActionPreference = 'Stop'
$version = ([xml](Get-Content (Join-Path $Root 'Directory.Build.props') -Raw)).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
if (-not $version) { throw 'Directory.Build.props has no <Version>.' }
$manifest = Import-PowerShellDataFile (Join-Path $Root 'Jamey3.psd1')
if ($manifest.ModuleVersion -ne $version) { throw "Jamey3.psd1 ModuleVersion $($manifest.ModuleVersion) differs from Directory.Build.props Version $version." }
$heading = Get-Content (Join-Path $Root 'CHANGELOG.md') | Where-Object { $_ -match '^##\s+v?\d' } | Select-Object -First 1
if ($heading -notmatch '^##\s+v?(?<v>\d+\.\d+\.\d+[^\s]*)') { throw 'CHANGELOG.md has no "## <version>" section.' }
if ($Matches.v -ne $version) { throw "CHANGELOG.md's newest section is $($Matches.v), but Directory.Build.props Version is ${version}: add a '## $version' section." }
if ($manifest.PrivateData.PSData.ReleaseNotes -notmatch "^$([regex]::Escape($version))\b") {
    throw "Jamey3.psd1 ReleaseNotes must start with the version $version."
}
$version
