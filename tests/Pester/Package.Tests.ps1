# Packaging: the .nupkg that build.ps1 -Task Package makes installs with PSResourceGet (shipped with pwsh 7.6) from a
# folder repository, and the installed module works. One version everywhere, a license matching the manifest.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $moduleDir = Split-Path (Get-JameyModulePath)
    $root = New-TestDirectory 'package'
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'The module package' {
    It 'installs with Install-PSResource from a folder repository, imports and runs' {
        $feed = Join-Path $root 'feed'
        $cmd = Get-PwshCommand
        & $cmd[0] @($cmd | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $repoRoot 'build/New-JameyPackage.ps1') -ModulePath $moduleDir -OutputPath $feed | Out-Null
        $LASTEXITCODE | Should -Be 0
        $version = (Import-PowerShellDataFile (Join-Path $moduleDir 'Jamey3.psd1')).ModuleVersion
        $package = Join-Path $feed "Jamey3.$version.nupkg"
        $package | Should -Exist

        # A child pwsh with a home of its own: the repository registration and the CurrentUser install land there.
        $home2 = Join-Path $root 'home'
        # The folders must exist: .NET answers "" for a special folder that does not, and PSResourceGet would then
        # keep its repository list relative to the current directory.
        foreach ($d in '.local/share', '.config', '.cache') { New-Item -ItemType Directory (Join-Path $home2 $d) -Force | Out-Null }
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name JameyLocal -Uri '$feed' -Trusted
Install-PSResource -Name Jamey3 -Repository JameyLocal -Scope CurrentUser -TrustRepository -Quiet
`$m = Import-Module Jamey3 -PassThru
'BASE ' + `$m.ModuleBase
'VERSION ' + `$m.Version
'COUNT ' + @(Get-JameyBackup -BackupPath '$(Join-Path $root 'empty-repo')' -ErrorAction SilentlyContinue).Count
'HELP ' + (Get-Help New-JameyBackup).Synopsis
"@
        $psi = [System.Diagnostics.ProcessStartInfo]::new($cmd[0])
        foreach ($a in (@($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script))) { $psi.ArgumentList.Add($a) }
        $psi.Environment['HOME'] = $home2
        $psi.Environment['XDG_DATA_HOME'] = Join-Path $home2 '.local/share'
        $psi.Environment['XDG_CONFIG_HOME'] = Join-Path $home2 '.config'
        $psi.Environment['XDG_CACHE_HOME'] = Join-Path $home2 '.cache'
        $psi.Environment.Remove('PSModulePath') | Out-Null
        $psi.WorkingDirectory = $home2
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $stderr = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        $p.ExitCode | Should -Be 0 -Because "$out $($stderr.Result)"
        $out | Should -Match "(?m)^BASE $([regex]::Escape($home2))"
        $out | Should -Match "(?m)^VERSION $([regex]::Escape($version))"
        $out | Should -Match '(?m)^COUNT 0'
        $out | Should -Match '(?m)^HELP Takes a hot'
        Join-Path $home2 '.local/share/PSResourceGet/PSResourceRepository.xml' | Should -Exist   # the registration stayed in that home
    }

    It 'carries a license that matches the manifest, project links and the PSEdition_Core tag' {
        $manifest = Import-PowerShellDataFile (Join-Path $repoRoot 'Jamey3.psd1')
        $data = $manifest.PrivateData.PSData
        $data.Tags | Should -Contain 'PSEdition_Core'
        $data.ProjectUri | Should -Match '^https://'
        $data.LicenseUri | Should -Match '/LICENSE$'
        $data.ReleaseNotes | Should -Not -BeNullOrEmpty
        $license = Get-Content (Join-Path $repoRoot 'LICENSE') -Raw
        $license | Should -Match '^MIT License'
        $manifest.Copyright | Should -Match 'MIT'
        Join-Path $moduleDir 'LICENSE' | Should -Exist
    }

    It 'has one version: Directory.Build.props, repeated by the manifest and the newest CHANGELOG section' {
        $version = & (Join-Path $repoRoot 'build/Test-JameyVersion.ps1') -Root $repoRoot
        $version | Should -Be (Import-PowerShellDataFile (Get-JameyModulePath)).ModuleVersion
        # The check fails on a CHANGELOG that has not caught up with the version.
        $copy = Join-Path $root 'version-check'
        New-Item -ItemType Directory $copy | Out-Null
        Copy-Item (Join-Path $repoRoot 'Directory.Build.props'), (Join-Path $repoRoot 'Jamey3.psd1'), (Join-Path $repoRoot 'CHANGELOG.md') $copy
        (Get-Content (Join-Path $copy 'CHANGELOG.md') -Raw) -replace "## $([regex]::Escape($version))", '## 0.0.9' | Set-Content (Join-Path $copy 'CHANGELOG.md')
        { & (Join-Path $repoRoot 'build/Test-JameyVersion.ps1') -Root $copy } | Should -Throw '*CHANGELOG.md*0.0.9*'
    }
}

Describe 'build.ps1 Setup' {
    It 'finds every test tool on this machine, so Test runs no apt-get and needs no root' {
        @(& (Join-Path $repoRoot 'build/Get-MissingTestTool.ps1')) | Should -BeNullOrEmpty
    }

    It 'finds tools in /usr/sbin that a non-root PATH leaves out' -Skip:($IsWindows -or -not (Test-Path /usr/sbin/cron)) {
        $saved = $env:PATH
        $env:PATH = '/usr/bin:/bin'
        try { @(& (Join-Path $repoRoot 'build/Get-MissingTestTool.ps1') -Tools @{ cron = 'cron' }) | Should -BeNullOrEmpty }
        finally { $env:PATH = $saved }
    }

    It 'names the package of a missing tool' {
        & (Join-Path $repoRoot 'build/Get-MissingTestTool.ps1') -Tools @{ 'jamey3-no-such-tool' = 'jamey3-no-such-package'; sh = 'dash' } |
            Should -Be 'jamey3-no-such-package'
    }
}
