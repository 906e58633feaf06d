#Requires -Version 7.0
<#
.SYNOPSIS
    Generates the monitoring files from the mixin (mixin/generate.jsonnet), or checks that the
    committed ones are current.
.DESCRIPTION
    jsonnet (Debian's package) evaluates mixin/generate.jsonnet into a temporary folder: the rule
    files in rules/, the dashboards in deploy/grafana/dashboards/ and the anomaly rule tests in
    tests/rules/. Without -Check they are copied over the committed ones. With -Check nothing is
    written: it generates twice (the output must be the same both times) and compares with the
    committed files, printing every difference; exit code 1 when anything differs.
.EXAMPLE
    dotnet pwsh -NoProfile -File mixin/Build-Mixin.ps1           # after editing mixin/
.EXAMPLE
    dotnet pwsh -NoProfile -File mixin/Build-Mixin.ps1 -Check    # in CI (tests/rules/Test-Rules.ps1 runs it)
#>
[CmdletBinding()]
param([switch] $Check)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path

# Keys in the order a person reads a rule or a test; others follow alphabetically (jsonnet's order).
$script:KeyOrder = 'name', 'record', 'alert', 'expr', 'for', 'labels', 'annotations', 'summary', 'description', 'recovery_action', 'runbook_url', 'rule_files', 'evaluation_interval', 'tests', 'interval', 'input_series', 'series', 'values', 'alert_rule_test', 'promql_expr_test', 'eval_time', 'alertname', 'exp_alerts', 'exp_labels', 'exp_annotations', 'exp_samples'

function ConvertTo-YamlText {
    # A small YAML writer for what the mixin produces (maps, lists, strings, numbers, booleans):
    # strings in double quotes with JSON escapes (valid YAML), multi-line ones as | blocks.
    param($Value, [int] $Indent = 0, [System.Text.StringBuilder] $Out)
    $pad = ' ' * $Indent
    if ($Value -is [System.Collections.IDictionary]) {
        if ($Value.Count -eq 0) { [void]$Out.Append("$pad{}`n"); return }
        $keys = @($Value.Keys | Sort-Object { $i = [array]::IndexOf($script:KeyOrder, $_); if ($i -lt 0) { 1000 } else { $i } }, { $_ })
        foreach ($k in $keys) {
            $v = $Value[$k]
            [void]$Out.Append("$pad$k`:")
            Add-YamlValue $v $Indent $Out
        }
        return
    }
    throw "ConvertTo-YamlText: a document must be a mapping"
}

function Add-YamlValue($v, [int] $Indent, [System.Text.StringBuilder] $Out) {
    $pad = ' ' * $Indent
    if ($v -is [System.Collections.IDictionary]) {
        if ($v.Count -eq 0) { [void]$Out.Append(" {}`n") } else { [void]$Out.Append("`n"); ConvertTo-YamlText $v ($Indent + 2) $Out }
    }
    elseif ($v -is [System.Collections.IList]) {
        if ($v.Count -eq 0) { [void]$Out.Append(" []`n"); return }
        [void]$Out.Append("`n")
        foreach ($item in $v) {
            if ($item -is [System.Collections.IDictionary] -and $item.Count -gt 0) {
                $sb = [System.Text.StringBuilder]::new()
                ConvertTo-YamlText $item ($Indent + 2) $sb
                $text = $sb.ToString()
                [void]$Out.Append("$pad- ").Append($text.Substring($Indent + 2))
            }
            else { [void]$Out.Append("$pad-"); Add-YamlValue $item ($Indent + 2) $Out }
        }
    }
    elseif ($v -is [string] -and $v.Contains("`n") -and -not $v.EndsWith("`n`n") -and $v -notmatch '^ |[ \t]\n|\t') {
        $body = $v.TrimEnd("`n")
        $chomp = if ($v.EndsWith("`n")) { '' } else { '-' }
        [void]$Out.Append(" |$chomp`n")
        foreach ($line in $body.Split("`n")) { [void]$Out.Append($(if ($line) { "$pad  $line" } else { '' })).Append("`n") }
    }
    elseif ($v -is [string]) { [void]$Out.Append(' ').Append((ConvertTo-Json -InputObject $v -Compress)).Append("`n") }
    elseif ($null -eq $v) { [void]$Out.Append(" null`n") }
    elseif ($v -is [bool]) { [void]$Out.Append($(if ($v) { ' true' } else { ' false' })).Append("`n") }
    else { [void]$Out.Append(' ').Append([Convert]::ToString($v, [cultureinfo]::InvariantCulture)).Append("`n") }
}

function Invoke-Generate {
    $dir = Join-Path ([IO.Path]::GetTempPath()) "jamey3-mixin-$([guid]::NewGuid().ToString('n'))"
    # jsonnet -m writes files but does not create folders.
    foreach ($sub in 'rules', 'deploy/grafana/dashboards', 'tests/rules') { New-Item -ItemType Directory (Join-Path $dir $sub) -Force | Out-Null }
    $names = & jsonnet -J (Join-Path $root 'mixin') -m $dir (Join-Path $root 'mixin/generate.jsonnet') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "jsonnet failed: $($names -join "`n")" }
    $files = @($names | ForEach-Object { [IO.Path]::GetRelativePath($dir, "$_").Replace('\', '/') } | Sort-Object)
    # The configuration is an input of the PowerShell generators, not an output.
    $configPath = Join-Path $dir 'config.json'
    $config = [IO.File]::ReadAllText($configPath) | ConvertFrom-Json -AsHashtable
    Remove-Item $configPath
    $expected = [IO.File]::ReadAllText((Join-Path $root 'mixin/tests/anomaly.expected.json')) | ConvertFrom-Json -AsHashtable
    $tests = & (Join-Path $root 'mixin/tests/New-AnomalyTests.ps1') -Config $config -Expected $expected
    foreach ($name in $tests.Keys) { [IO.File]::WriteAllText((Join-Path $dir "tests/rules/$name"), ($tests[$name] | ConvertTo-Json -Depth 20)) }
    $files = @($files | Where-Object { $_ -ne 'config.json' }) + @($tests.Keys | ForEach-Object { "tests/rules/$_" }) | Sort-Object
    foreach ($f in $files) {
        $path = Join-Path $dir $f
        $json = [IO.File]::ReadAllText($path)
        if ($f.EndsWith('.yml')) {
            $doc = ConvertFrom-Json $json -AsHashtable -NoEnumerate
            $sb = [System.Text.StringBuilder]::new()
            [void]$sb.Append("# Generated by mixin/Build-Mixin.ps1 from mixin/ (config.libsonnet and its sources): do not edit here.`n")
            ConvertTo-YamlText $doc 0 $sb
            $text = $sb.ToString()
        }
        else { $text = $json.TrimEnd("`n") + "`n" }
        [IO.File]::WriteAllText($path, $text, [Text.UTF8Encoding]::new($false))
    }
    [pscustomobject]@{ Dir = $dir; Files = $files }
}

if (-not (Get-Command jsonnet -CommandType Application -ErrorAction Ignore)) { throw 'jsonnet is not installed (apt-get install jsonnet, or build.ps1 -Task Setup)' }
$first = Invoke-Generate
try {
    if (-not $Check) {
        foreach ($f in $first.Files) { New-Item -ItemType Directory (Split-Path (Join-Path $root $f)) -Force | Out-Null; Copy-Item (Join-Path $first.Dir $f) (Join-Path $root $f) -Force; Write-Host "wrote $f" }
        return
    }
    $second = Invoke-Generate
    $problems = [System.Collections.Generic.List[string]]::new()
    foreach ($f in $first.Files) {
        $a = [IO.File]::ReadAllBytes((Join-Path $first.Dir $f))
        $b = [IO.File]::ReadAllBytes((Join-Path $second.Dir $f))
        if (-not [Linq.Enumerable]::SequenceEqual($a, $b)) { $problems.Add("$f differs between two generations (unstable output)") }
        $committed = Join-Path $root $f
        if (-not (Test-Path -LiteralPath $committed)) { $problems.Add("$f is generated but not in the repository: run mixin/Build-Mixin.ps1"); continue }
        if (-not [Linq.Enumerable]::SequenceEqual($a, [IO.File]::ReadAllBytes($committed))) {
            $problems.Add("$f is not current: run mixin/Build-Mixin.ps1 and commit the result")
        }
    }
    Remove-Item $second.Dir -Recurse -Force
    foreach ($p in $problems) { Write-Host $p }
    if ($problems.Count -eq 0) { Write-Host "$($first.Files.Count) generated files are current: $($first.Files -join ', ')" }
    exit ([int]($problems.Count -gt 0))
}
finally {
    Remove-Item $first.Dir -Recurse -Force -ErrorAction Ignore
}
