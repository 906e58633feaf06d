# Errors as a script sees them: ids from the one catalogue, categories that exist, and engine
# failures that always pass through ErrorMapping (never a raw .NET exception).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'errors'
    $data = New-SampleData -Path (Join-Path $root 'data') -Size '200KB'
}
AfterAll {
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'The error catalogue' {
    It 'maps every id to a PowerShell ErrorCategory that exists' {
        # The engine lives in its own load context; it is loaded once a command has used it.
        Get-JameyBackup -BackupPath (Join-Path $root 'empty-repo') -ErrorAction Ignore | Out-Null
        $engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'Jamey3.Engine' } | Select-Object -First 1
        $engine | Should -Not -BeNullOrEmpty
        $catalogue = $engine.GetType('Jamey3.Engine.Errors.JameyErrors')
        $entries = @($catalogue::All)
        $entries.Count | Should -BeGreaterThan 30
        foreach ($e in $entries) {
            $name = $catalogue::CategoryName($e.Kind)
            [enum]::GetNames([System.Management.Automation.ErrorCategory]) | Should -Contain $name -Because "$($e.Id) maps to '$name'"
        }
    }
}

Describe 'New-JameyBackup -Verify' {
    It 'reports a failed verification with the one category of BackupVerificationFailed, and still outputs the backup' {
        # The full check restores into a folder under TMPDIR; a file in its place makes that fail.
        $notAFolder = Join-Path $root 'tmp-is-a-file'
        Set-Content $notAFolder 'x'
        $repo = Join-Path $root 'repo-verify'
        $out = Invoke-ChildPwsh -Environment @{ TMPDIR = $notAFolder } -Script @"
`$b = New-JameyBackup -DataPath '$data' -BackupPath '$repo' -Component Database -Verify -ErrorVariable errs -ErrorAction SilentlyContinue
"id=`$(`$b.BackupId)"
`$errs | ForEach-Object { "err=`$(`$_.FullyQualifiedErrorId)|`$(`$_.CategoryInfo.Category)" }
"@
        @($out -match '^id=\d{8}-').Count | Should -Be 1 -Because ($out -join "`n")
        $err = $out | Where-Object { $_ -like 'err=*' } | Select-Object -First 1
        $err | Should -Not -BeNullOrEmpty -Because ($out -join "`n")
        # The same category as Restore-JameyBackup's BackupVerificationFailed (it was InvalidResult here).
        $err | Should -BeLike 'err=BackupVerificationFailed,*|InvalidData'
    }
}
