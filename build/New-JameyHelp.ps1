<#
.SYNOPSIS
    Generates the module's MAML help (en-US/Jamey3.Commands.dll-Help.xml) from src/Module/Help.
.DESCRIPTION
    One source of truth: each cmdlet's src/Module/Help/<Name>.psd1 holds its synopsis, description,
    parameter descriptions and examples; syntax, types, positions and pipeline input come from the
    built cmdlet itself, so help cannot drift from the code. Fails when a cmdlet or one of its
    parameters has no description. Runs in a fresh pwsh (build.ps1) so no DLL stays loaded.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourcePath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$module = Import-Module $ModulePath -PassThru
# -WhatIf and -Confirm are written out like the cmdlet's own parameters (Get-Help adds only the other common ones).
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }
$shouldProcessHelp = @{
    WhatIf  = 'Shows what the command would do, and what it would refuse, without changing anything.'
    Confirm = 'Asks for confirmation before each change. Use -Confirm:$false in scripts and scheduled tasks.'
}
$ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
$problems = [System.Collections.Generic.List[string]]::new()

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$outDir = Join-Path $module.ModuleBase 'en-US'
New-Item -ItemType Directory -Force $outDir | Out-Null
$target = Join-Path $outDir 'Jamey3.Commands.dll-Help.xml'
$w = [System.Xml.XmlWriter]::Create($target, $settings)

# A type as PowerShell users write it: CompressionAlgorithm, not Nullable`1; String[], not String[] of a generic.
function Get-TypeName([type] $Type, [switch] $Full) {
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType() -Full:$Full) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Get-TypeName $underlying -Full:$Full }
    if ($Type.IsGenericType) {
        $name = ($(if ($Full) { $Type.GetGenericTypeDefinition().FullName } else { $Type.Name })) -replace '`\d+$', ''
        return "$name[$((@($Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ -Full:$Full })) -join ', ')]"
    }
    if ($Full) { $Type.FullName } else { $Type.Name }
}

function Write-Para([string] $text) {
    foreach ($p in ($text.Trim() -split "\r?\n\s*\r?\n")) {
        $w.WriteElementString('para', $ns.maml, ($p -replace '\s*\r?\n\s*', ' ').Trim())
    }
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems'); $w.WriteAttributeString('schema', 'maml')
foreach ($cmd in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
    $sourceFile = Join-Path $SourcePath "$($cmd.Name).psd1"
    if (-not (Test-Path $sourceFile)) { $problems.Add("$($cmd.Name): no help source $sourceFile"); continue }
    $src = Import-PowerShellDataFile $sourceFile
    foreach ($key in 'Synopsis', 'Description', 'Parameters', 'Examples') {
        if (-not $src.ContainsKey($key) -or -not $src[$key]) { $problems.Add("$($cmd.Name): help source has no $key") }
    }
    $params = $cmd.Parameters.Values | Where-Object Name -notin $common
    foreach ($p in $params) {
        if ($shouldProcessHelp.ContainsKey($p.Name)) { continue }
        if (-not $src.Parameters -or -not $src.Parameters.ContainsKey($p.Name)) { $problems.Add("$($cmd.Name): parameter -$($p.Name) has no description") }
    }
    foreach ($name in $src.Parameters.Keys) {
        if ($name -notin $params.Name) { $problems.Add("$($cmd.Name): help describes -$name, which the cmdlet does not have") }
    }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $w.WriteStartElement('details', $ns.command)
    $w.WriteElementString('name', $ns.command, $cmd.Name)
    $w.WriteStartElement('description', $ns.maml); Write-Para $src.Synopsis; $w.WriteEndElement()
    $w.WriteElementString('verb', $ns.command, $cmd.Verb)
    $w.WriteElementString('noun', $ns.command, $cmd.Noun)
    $w.WriteEndElement()
    $w.WriteStartElement('description', $ns.maml); Write-Para $src.Description; $w.WriteEndElement()

    $w.WriteStartElement('syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('syntaxItem', $ns.command)
        $w.WriteElementString('name', $ns.maml, $cmd.Name)
        foreach ($sp in $set.Parameters | Where-Object Name -notin $common) {
            $w.WriteStartElement('parameter', $ns.command)
            $w.WriteAttributeString('required', "$($sp.IsMandatory)".ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($sp.Position -ge 0) { "$($sp.Position)" } else { 'named' }))
            $w.WriteElementString('name', $ns.maml, $sp.Name)
            if ($sp.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $w.WriteStartElement('parameterValue', $ns.command); $w.WriteAttributeString('required', 'true')
                $w.WriteString((Get-TypeName $sp.ParameterType)); $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('parameters', $ns.command)
    foreach ($p in $params | Sort-Object Name) {
        $attrs = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $pipeline = @(
            if (@($attrs | Where-Object ValueFromPipeline).Count) { 'ByValue' }
            if (@($attrs | Where-Object ValueFromPipelineByPropertyName).Count) { 'ByPropertyName' }
        )
        $position = $attrs | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Select-Object -First 1
        $w.WriteStartElement('parameter', $ns.command)
        $w.WriteAttributeString('required', "$(@($attrs | Where-Object Mandatory).Count -gt 0)".ToLowerInvariant())
        $w.WriteAttributeString('globbing', "$([bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }))".ToLowerInvariant())
        $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
        $w.WriteAttributeString('position', $(if ($null -ne $position) { "$position" } else { 'named' }))
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $w.WriteElementString('name', $ns.maml, $p.Name)
        $w.WriteStartElement('description', $ns.maml); Write-Para ($src.Parameters[$p.Name] ?? $shouldProcessHelp[$p.Name] ?? ''); $w.WriteEndElement()
        $w.WriteStartElement('parameterValue', $ns.command); $w.WriteAttributeString('required', 'true'); $w.WriteString((Get-TypeName $p.ParameterType)); $w.WriteEndElement()
        $w.WriteStartElement('type', $ns.dev); $w.WriteElementString('name', $ns.maml, (Get-TypeName $p.ParameterType -Full)); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # INPUTS: what binds from the pipeline, by value or by property name, and to which parameter.
    $w.WriteStartElement('inputTypes', $ns.command)
    $inputs = [ordered]@{}
    $byName = [System.Collections.Generic.List[string]]::new()
    foreach ($p in $params | Sort-Object Name) {
        $attrs = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $typeName = Get-TypeName $(if ($p.ParameterType.IsArray) { $p.ParameterType.GetElementType() } else { $p.ParameterType }) -Full
        if (@($attrs | Where-Object ValueFromPipeline).Count) { $inputs["$typeName"] = @("Objects of this type bind to -$($p.Name)") }
        if (@($attrs | Where-Object ValueFromPipelineByPropertyName).Count) {
            $byName.Add("a property $(@(@($p.Name) + @($p.Aliases)) -join ' or ') binds to -$($p.Name)")
        }
    }
    if ($byName.Count) { $inputs['System.Management.Automation.PSObject'] = @("Any object (deserialized ones included) by property name: $($byName -join '; ')") }
    if ($src.ContainsKey('Inputs')) { foreach ($k in $src.Inputs.Keys) { $inputs[$k] = @($src.Inputs[$k]) } }
    if ($inputs.Count -eq 0) { $inputs['None'] = @('This command takes no pipeline input.') }
    foreach ($k in $inputs.Keys) {
        $w.WriteStartElement('inputType', $ns.command)
        $w.WriteStartElement('type', $ns.dev); $w.WriteElementString('name', $ns.maml, $k); $w.WriteEndElement()
        $w.WriteStartElement('description', $ns.maml); Write-Para (((@($inputs[$k]) -join '; ') -replace '\.?$', '.')); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # OUTPUTS: the declared output types, each with what it is from the help source (Outputs = @{ TypeName = 'text' }).
    $w.WriteStartElement('returnValues', $ns.command)
    foreach ($t in $cmd.OutputType) {
        $full = Get-TypeName $t.Type -Full
        $text = if ($src.ContainsKey('Outputs') -and $src.Outputs.ContainsKey($t.Type.Name)) { $src.Outputs[$t.Type.Name] } else { $null }
        if (-not $text) { $problems.Add("$($cmd.Name): help source has no Outputs entry for $($t.Type.Name)") }
        $w.WriteStartElement('returnValue', $ns.command)
        $w.WriteStartElement('type', $ns.dev); $w.WriteElementString('name', $ns.maml, $full); $w.WriteEndElement()
        $w.WriteStartElement('description', $ns.maml); Write-Para ($text ?? ''); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($src.ContainsKey('Notes')) {
        $w.WriteStartElement('alertSet', $ns.maml); $w.WriteStartElement('alert', $ns.maml); Write-Para $src.Notes; $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('examples', $ns.command)
    $i = 0
    foreach ($ex in $src.Examples) {
        $i++
        $w.WriteStartElement('example', $ns.command)
        $w.WriteElementString('title', $ns.maml, "-------------------------- Example ${i}: $($ex.Title) --------------------------")
        $w.WriteElementString('code', $ns.dev, $ex.Code.Trim())
        $w.WriteStartElement('remarks', $ns.dev); Write-Para $ex.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('relatedLinks', $ns.maml)
    foreach ($link in @($src['Links'])) {
        if (-not $link) { continue }
        $w.WriteStartElement('navigationLink', $ns.maml); $w.WriteElementString('linkText', $ns.maml, $link); $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()

if ($problems.Count) {
    $problems | ForEach-Object { Write-Error $_ -ErrorAction Continue }
    throw "Help is incomplete: $($problems.Count) problem(s)."
}
Write-Host "Help written to $target"
