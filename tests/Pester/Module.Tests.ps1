# Module-wide conventions a reviewer checks: manifest, exports, output types, views, help.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $script:cmdlets = Get-Command -Module Jamey3 -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'The Jamey3 module' {
    It 'has a valid manifest with explicit exports that match the cmdlets' {
        $manifest = Test-ModuleManifest (Get-JameyModulePath)
        $declared = (Import-PowerShellDataFile (Get-JameyModulePath)).CmdletsToExport
        $declared | Should -Not -Contain '*'
        ($declared | Sort-Object) | Should -Be (Get-Command -Module Jamey3 | Sort-Object Name).Name
        $manifest.Version | Should -Not -BeNullOrEmpty
    }

    It 'loads the engine into its own load context and the pipeline types into the default one' {
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Jamey3.Engine' }
        # The engine loads lazily; force it with a harmless call.
        if (-not $engine) { Get-JameyBackup -BackupPath (New-TestDirectory) | Out-Null; $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Jamey3.Engine' } }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'Jamey3.Dependencies'
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([Jamey3.JameyBackup].Assembly) | Should -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
    }
}

Describe '<Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain $command.Verb
    }

    It 'declares its output type, and every output type has a format view' {
        $command.OutputType | Should -Not -BeNullOrEmpty
        foreach ($type in $command.OutputType.Type) {
            Get-FormatData -TypeName $type.FullName | Should -Not -BeNullOrEmpty -Because "$($type.FullName) needs a view"
        }
    }

    It 'has a synopsis, a description and examples in Get-Help -Full' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s*\["   # not the auto-generated syntax line
        ($help.Description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($example in $help.Examples.Example) { $example.Code | Should -Not -BeNullOrEmpty }
    }

    It 'describes every parameter in Get-Help' {
        foreach ($p in $command.Parameters.Values | Where-Object Name -notin $common) {
            $entry = $help.Parameters.Parameter | Where-Object Name -eq $p.Name
            ($entry.Description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$($p.Name) must be documented"
        }
    }

    It 'shows -WhatIf and -Confirm in SYNTAX and PARAMETERS when it supports them' {
        $meta = [System.Management.Automation.CommandMetadata]::new($command)
        $syntaxNames = @($help.Syntax.SyntaxItem | ForEach-Object { $_.Parameter.Name })
        $paramNames = @($help.Parameters.Parameter.Name)
        foreach ($name in 'WhatIf', 'Confirm') {
            if ($meta.SupportsShouldProcess) {
                $syntaxNames | Should -Contain $name
                $paramNames | Should -Contain $name
                (($help.Parameters.Parameter | Where-Object Name -eq $name).Description.Text -join ' ') | Should -Not -BeNullOrEmpty
            }
            else { $paramNames | Should -Not -Contain $name }
        }
    }

    It 'writes parameter types as PowerShell types' {
        $text = $help | Out-String -Width 500
        $text | Should -Not -Match '`\d'            # Nullable`1, List`1
        $text | Should -Not -Match 'Nullable'
        foreach ($p in $command.Parameters.Values | Where-Object Name -notin $common) {
            $type = [Nullable]::GetUnderlyingType($p.ParameterType) ?? $p.ParameterType
            $entry = $help.Parameters.Parameter | Where-Object Name -eq $p.Name
            $entry.Type.Name | Should -Be $type.FullName -Because "-$($p.Name)"
        }
    }

    It 'fills INPUTS and OUTPUTS' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        foreach ($i in $help.inputTypes.inputType) {
            $i.type.name | Should -Not -BeNullOrEmpty
            ($i.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        }
        $piped = @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } })
        if ($piped.Count) { $help.inputTypes.inputType.type.name | Should -Not -Contain 'None' }
        $outputs = @($help.returnValues.returnValue)
        $outputs.Count | Should -Be @($command.OutputType).Count
        foreach ($o in $outputs) {
            $o.type.name | Should -BeIn @($command.OutputType.Type.FullName)
            ($o.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        }
    }

    It 'uses ShouldProcess when it changes state' {
        $meta = [System.Management.Automation.CommandMetadata]::new($command)
        if ($command.Verb -in 'New', 'Remove', 'Restore', 'Register', 'Unregister', 'Start', 'Stop') { $meta.SupportsShouldProcess | Should -BeTrue }
        if ($command.Verb -in 'Remove', 'Restore', 'Unregister') { $meta.ConfirmImpact | Should -Be 'High' }
    }
}
