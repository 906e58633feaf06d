# Reads the YAML of the rule, unit-test and Alertmanager files with YamlDotNet (restored by
# build/tools.proj): mappings become ordered dictionaries, sequences arrays, scalars strings.
Set-StrictMode -Version Latest

function Import-YamlDotNet {
    if ('YamlDotNet.RepresentationModel.YamlStream' -as [type]) { return }
    $line = & dotnet nuget locals global-packages --list
    $packages = ($line -replace '^global-packages:\s*', '').Trim()
    $dll = Join-Path $packages 'yamldotnet/18.1.0/lib/net8.0/YamlDotNet.dll'
    if (-not (Test-Path -LiteralPath $dll)) { throw "YamlDotNet is not restored ($dll): run build.ps1 -Task Setup" }
    Add-Type -LiteralPath $dll
}

function ConvertFrom-YamlNode($Node) {
    if ($Node -is [YamlDotNet.RepresentationModel.YamlMappingNode]) {
        $map = [ordered]@{}
        foreach ($entry in $Node.Children) { $map[[string]$entry.Key.Value] = ConvertFrom-YamlNode $entry.Value }
        return $map
    }
    if ($Node -is [YamlDotNet.RepresentationModel.YamlSequenceNode]) {
        # The leading comma keeps PowerShell from unrolling the array into the caller's pipeline.
        return , @(foreach ($item in $Node.Children) { , (ConvertFrom-YamlNode $item) })
    }
    # A plain empty or ~ scalar is YAML's null.
    if ($Node.Style -eq [YamlDotNet.Core.ScalarStyle]::Plain -and $Node.Value -in '', '~', 'null') { return $null }
    return [string]$Node.Value
}

function Read-YamlFile {
    <# .SYNOPSIS The one YAML document in a file; throws with the file and position on bad YAML. #>
    param([Parameter(Mandatory)] [string] $Path)
    Import-YamlDotNet
    $reader = [IO.StreamReader]::new($Path)
    try {
        $stream = [YamlDotNet.RepresentationModel.YamlStream]::new()
        try { $stream.Load($reader) }
        catch [YamlDotNet.Core.YamlException] { throw "$($Path):$($_.Exception.Start.Line): $($_.Exception.Message)" }
        if ($stream.Documents.Count -ne 1) { throw "$($Path): expected one YAML document, found $($stream.Documents.Count)" }
        return , (ConvertFrom-YamlNode $stream.Documents[0].RootNode)
    }
    finally { $reader.Dispose() }
}

Export-ModuleMember -Function Read-YamlFile
