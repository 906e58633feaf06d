#Requires -Version 7.0
<#
.SYNOPSIS
    Checks the Prometheus alerting rules, their unit tests, their runbooks and
    the deploy configuration.

.DESCRIPTION
    Runs promtool and amtool over rules/, tests/rules/ and deploy/, then reads
    the rule and test files itself and checks that:

      - every alert has a severity label and the annotations summary,
        description, recovery_action and runbook_url;
      - every runbook_url is docs/runbooks/<file>.md#<alert name in lower
        case> and that file has a heading producing that anchor;
      - every alert (name and severity) fires in some unit test, and every
        alert name is also shown quiet in some unit test;
      - tests name only alerts that exist and always set `interval:`;
      - a P2 alert never waits longer (`for:`) than its P1 twin;
      - Alertmanager routes each severity to its receiver and P1 inhibits P2.

    Every check is printed as PASS or FAIL; the last line is
    "<n> passed, <m> failed". The exit code is 1 when any check failed.

    Run from anywhere, with PowerShell 7 (pinned as a local dotnet tool):

        dotnet tool restore
        dotnet pwsh -NoProfile -File tests/rules/Test-Rules.ps1

.PARAMETER Root
    The repository root. Defaults to two levels above this script.
#>
[CmdletBinding()]
param(
    [string] $Root = (Join-Path $PSScriptRoot '..' '..')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# YAML through YamlDotNet (tests/rules/Yaml.psm1).
Import-Module (Join-Path $PSScriptRoot 'Yaml.psm1') -Force

# ---------------------------------------------------------------------------
# Check bookkeeping
# ---------------------------------------------------------------------------
$script:Passed = 0
$script:Failed = 0

function Add-Check {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [bool] $Ok,
        [string[]] $Detail = @()
    )
    if ($Ok) {
        $script:Passed++
        Write-Host "PASS  $Name"
    }
    else {
        $script:Failed++
        Write-Host "FAIL  $Name"
        foreach ($line in $Detail) { Write-Host "      $line" }
    }
}

function Invoke-Tool {
    # Runs a native tool; returns its exit code and combined output.
    param([Parameter(Mandatory)] [string] $Tool, [string[]] $Arguments = @())
    if (-not (Get-Command $Tool -CommandType Application -ErrorAction SilentlyContinue)) {
        return [pscustomobject]@{ ExitCode = 127; Output = @("$Tool not found on PATH") }
    }
    $output = & $Tool @Arguments 2>&1 | ForEach-Object { "$_" }
    return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output) }
}

function Get-Entry {
    # A key of a parsed mapping, or $null when the node is not a mapping or lacks it.
    param($Node, [string] $Key)
    # The leading comma keeps PowerShell from unrolling a sequence value.
    if ($Node -is [System.Collections.IDictionary] -and $Node.Contains($Key)) { return , $Node[$Key] }
    return $null
}

function Get-List {
    # The items of a parsed sequence; nothing for anything else.
    param($Node)
    if ($Node -is [System.Array]) { $Node }
}

function ConvertTo-Seconds {
    # A Prometheus duration such as 1h30m; 0 for none.
    param([string] $Duration)
    if ([string]::IsNullOrWhiteSpace($Duration)) { return 0.0 }
    $units = @{ ms = 0.001; s = 1; m = 60; h = 3600; d = 86400; w = 604800; y = 31536000 }
    $total = 0.0
    $rest = $Duration.Trim()
    foreach ($m in [regex]::Matches($rest, '(\d+)(ms|s|m|h|d|w|y)')) {
        $total += [double]$m.Groups[1].Value * $units[$m.Groups[2].Value]
    }
    if (([regex]::Replace($rest, '(\d+)(ms|s|m|h|d|w|y)', '')) -ne '') { return [double]::NaN }
    return $total
}

function Get-HeadingAnchors {
    # The anchors a GitHub-style Markdown renderer gives the file's headings.
    param([Parameter(Mandatory)] [string] $Path)
    $anchors = [System.Collections.Generic.List[string]]::new()
    $seen = @{}
    $inFence = $false
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence; continue }
        if ($inFence) { continue }
        $m = [regex]::Match($line, '^(#{1,6})\s+(.+?)\s*#*\s*$')
        if (-not $m.Success) { continue }
        $slug = $m.Groups[2].Value.ToLowerInvariant()
        $slug = [regex]::Replace($slug, '[^\p{L}\p{N}\s_-]', '')
        $slug = [regex]::Replace($slug, '\s', '-')
        if ($seen.ContainsKey($slug)) {
            $seen[$slug]++
            $anchors.Add("$slug-$($seen[$slug])")
        }
        else {
            $seen[$slug] = 0
            $anchors.Add($slug)
        }
    }
    return , $anchors.ToArray()
}

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
$Root = (Resolve-Path -LiteralPath $Root).Path
Push-Location -LiteralPath $Root
try {
    $ruleFiles = @(Get-ChildItem -Path 'rules' -Filter '*.yml' -File | Sort-Object Name)
    $testFiles = @(Get-ChildItem -Path 'tests/rules' -Filter '*.test.yml' -File | Sort-Object Name)
    $prometheusConfig = 'deploy/prometheus.yml'
    $alertmanagerConfig = 'deploy/alertmanager.yml'
    $requiredAnnotations = 'summary', 'description', 'recovery_action', 'runbook_url'
    # Severity -> Alertmanager receiver it must be routed to.
    $receivers = [ordered]@{ P1 = 'p1-page'; P2 = 'p2-ticket'; P3 = 'p3-info'; heartbeat = 'heartbeat' }

    Add-Check -Name 'rule files exist in rules/' -Ok ($ruleFiles.Count -gt 0) -Detail 'no rules/*.yml found'
    Add-Check -Name 'unit test files exist in tests/rules/' -Ok ($testFiles.Count -gt 0) -Detail 'no tests/rules/*.test.yml found'

    # -----------------------------------------------------------------------
    # The tools' own checks
    # -----------------------------------------------------------------------
    $ruleArgs = @($ruleFiles | ForEach-Object { "rules/$($_.Name)" })
    $testArgs = @($testFiles | ForEach-Object { "tests/rules/$($_.Name)" })

    # The rule files, dashboards and generated tests come from mixin/: they must be current.
    $r = Invoke-Tool dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'mixin/Build-Mixin.ps1'), '-Check')
    Add-Check -Name 'generated files are current and stable (mixin/Build-Mixin.ps1 -Check)' -Ok ($r.ExitCode -eq 0) -Detail $r.Output
    $r = Invoke-Tool jsonnet @('-S', '-J', (Join-Path $Root 'mixin'), '-e', "(import 'mixin.libsonnet')._config.runbookBaseUrl")
    $runbookBase = ($r.Output -join '').Trim()
    Add-Check -Name "runbook base URL from mixin/config.libsonnet is absolute ($runbookBase)" `
        -Ok ($r.ExitCode -eq 0 -and $runbookBase -match '^https?://[^/\s]+/(\S*/)?$') -Detail $r.Output

    # The dashboards against Grafana's dashboard types (tests/web, installed by build.ps1 -Task Setup).
    $r = Invoke-Tool node @((Join-Path $Root 'tests/web/check-dashboards.mjs'), (Join-Path $Root 'deploy/grafana/dashboards'))
    Add-Check -Name 'dashboards type-check against @grafana/schema (tests/web/check-dashboards.mjs)' -Ok ($r.ExitCode -eq 0) -Detail $r.Output

    $r = Invoke-Tool promtool (@('check', 'rules') + $ruleArgs)
    Add-Check -Name "promtool check rules $($ruleArgs -join ' ')" -Ok ($r.ExitCode -eq 0 -and $ruleArgs.Count -gt 0) -Detail $r.Output

    $r = Invoke-Tool promtool (@('test', 'rules') + $testArgs)
    Add-Check -Name "promtool test rules $($testArgs -join ' ')" -Ok ($r.ExitCode -eq 0 -and $testArgs.Count -gt 0) -Detail $r.Output

    $r = Invoke-Tool promtool @('check', 'config', $prometheusConfig)
    Add-Check -Name "promtool check config $prometheusConfig" -Ok ($r.ExitCode -eq 0) -Detail $r.Output
    $found = [regex]::Match(($r.Output -join "`n"), 'SUCCESS: (\d+) rule files found')
    Add-Check -Name "$prometheusConfig loads all $($ruleFiles.Count) rule files" `
        -Ok ($found.Success -and [int]$found.Groups[1].Value -eq $ruleFiles.Count) `
        -Detail "promtool reported: $(if ($found.Success) { $found.Value } else { 'no rule files' })"

    $r = Invoke-Tool amtool @('check-config', $alertmanagerConfig)
    Add-Check -Name "amtool check-config $alertmanagerConfig" -Ok ($r.ExitCode -eq 0) -Detail $r.Output

    foreach ($severity in $receivers.Keys) {
        $r = Invoke-Tool amtool @('config', 'routes', 'test', "--config.file=$alertmanagerConfig",
            "--verify.receivers=$($receivers[$severity])", "severity=$severity", 'alertname=RoutingCheck')
        Add-Check -Name "alertmanager routes severity=$severity to $($receivers[$severity])" -Ok ($r.ExitCode -eq 0) -Detail $r.Output
    }

    # -----------------------------------------------------------------------
    # Parse rules, tests and the Alertmanager configuration
    # -----------------------------------------------------------------------
    $alerts = [System.Collections.Generic.List[object]]::new()
    $records = [System.Collections.Generic.List[object]]::new()
    foreach ($file in $ruleFiles) {
        $relative = "rules/$($file.Name)"
        try {
            $doc = Read-YamlFile ($file.FullName)
            foreach ($group in (Get-List (Get-Entry $doc 'groups'))) {
                foreach ($rule in (Get-List (Get-Entry $group 'rules'))) {
                    $record = Get-Entry $rule 'record'
                    if ($null -ne $record) { $records.Add([pscustomobject]@{ Name = [string]$record; File = $relative }) }
                    $name = Get-Entry $rule 'alert'
                    if ($null -eq $name) { continue }
                    $labels = Get-Entry $rule 'labels'
                    $annotations = Get-Entry $rule 'annotations'
                    $alerts.Add([pscustomobject]@{
                            Name        = [string]$name
                            Severity    = [string](Get-Entry $labels 'severity')
                            For         = [string](Get-Entry $rule 'for')
                            Labels      = $labels
                            Annotations = $annotations
                            File        = $relative
                        })
                }
            }
            Add-Check -Name "parse $relative" -Ok $true
        }
        catch {
            Add-Check -Name "parse $relative" -Ok $false -Detail "$_"
        }
    }

    $tests = [System.Collections.Generic.List[object]]::new()   # one entry per alert_rule_test item
    $exprTests = [System.Collections.Generic.List[object]]::new()   # one entry per promql_expr_test item
    foreach ($file in $testFiles) {
        $relative = "tests/rules/$($file.Name)"
        try {
            $doc = Read-YamlFile ($file.FullName)
            $groups = Get-List (Get-Entry $doc 'tests')
            $noInterval = @()
            foreach ($group in $groups) {
                if ([string]::IsNullOrWhiteSpace([string](Get-Entry $group 'interval'))) {
                    $noInterval += "test '$(Get-Entry $group 'name')' has no interval: (promtool 2.42 then evaluates nothing)"
                }
                foreach ($case in (Get-List (Get-Entry $group 'promql_expr_test'))) {
                    $exprTests.Add([pscustomobject]@{ Expr = [string](Get-Entry $case 'expr'); File = $relative })
                }
                foreach ($case in (Get-List (Get-Entry $group 'alert_rule_test'))) {
                    $expected = @(Get-List (Get-Entry $case 'exp_alerts') | ForEach-Object {
                            [string](Get-Entry (Get-Entry $_ 'exp_labels') 'severity')
                        })
                    $tests.Add([pscustomobject]@{
                            AlertName  = [string](Get-Entry $case 'alertname')
                            Severities = $expected
                            File       = $relative
                        })
                }
            }
            Add-Check -Name "parse $relative" -Ok $true
            Add-Check -Name "$relative`: every test sets interval:" -Ok ($noInterval.Count -eq 0) -Detail $noInterval
        }
        catch {
            Add-Check -Name "parse $relative" -Ok $false -Detail "$_"
        }
    }

    try {
        $am = Read-YamlFile (Join-Path $Root $alertmanagerConfig)
        $inhibits = @(Get-List (Get-Entry $am 'inhibit_rules') | Where-Object {
                (@(Get-List (Get-Entry $_ 'source_matchers')) -contains 'severity="P1"') -and
                (@(Get-List (Get-Entry $_ 'target_matchers')) -contains 'severity="P2"') -and
                (@(Get-List (Get-Entry $_ 'equal')) -contains 'alertname')
            })
        Add-Check -Name "$alertmanagerConfig`: P1 inhibits P2 of the same alertname" -Ok ($inhibits.Count -gt 0) `
            -Detail 'no inhibit rule with source severity="P1", target severity="P2" and equal: [alertname, ...]'
    }
    catch {
        Add-Check -Name "$alertmanagerConfig`: P1 inhibits P2 of the same alertname" -Ok $false -Detail "$_"
    }

    # -----------------------------------------------------------------------
    # Recording rules: named level:metric:operations, each queried in a unit test
    # -----------------------------------------------------------------------
    foreach ($record in ($records | Sort-Object Name -Unique)) {
        Add-Check -Name "$($record.Name): named level:metric:operations" `
            -Ok ($record.Name -cmatch '^[a-z][a-z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-z0-9_]+$') `
            -Detail "in $($record.File); see https://prometheus.io/docs/practices/rules/"
        $pattern = '(?<![A-Za-z0-9_:])' + [regex]::Escape($record.Name) + '(?![A-Za-z0-9_:])'
        $covering = @($exprTests | Where-Object { $_.Expr -match $pattern })
        Add-Check -Name "$($record.Name): queried in a promql_expr_test" -Ok ($covering.Count -gt 0) `
            -Detail "no promql_expr_test in tests/rules/ queries the recorded series"
    }

    # -----------------------------------------------------------------------
    # Per-alert checks
    # -----------------------------------------------------------------------
    $alertNames = @($alerts | ForEach-Object Name | Sort-Object -Unique)
    $anchorCache = @{}

    foreach ($alert in $alerts) {
        $id = "$($alert.Name) [$($alert.Severity)]"

        $twins = @($alerts | Where-Object { $_.Name -eq $alert.Name -and $_.Severity -eq $alert.Severity })
        Add-Check -Name "$id`: defined once" -Ok ($twins.Count -eq 1) `
            -Detail "$($twins.Count) rules in $(($twins | ForEach-Object File) -join ', ') share this name and severity"

        Add-Check -Name "$id`: severity label is one of $($receivers.Keys -join ', ')" `
            -Ok ($receivers.Contains($alert.Severity)) -Detail "severity is '$($alert.Severity)' in $($alert.File)"

        $missing = @($requiredAnnotations | Where-Object {
                [string]::IsNullOrWhiteSpace([string](Get-Entry $alert.Annotations $_))
            })
        Add-Check -Name "$id`: has annotations $($requiredAnnotations -join ', ')" -Ok ($missing.Count -eq 0) `
            -Detail "missing in $($alert.File): $($missing -join ', ')"

        $url = [string](Get-Entry $alert.Annotations 'runbook_url')
        $problem = $null
        $m = [regex]::Match($url, '^' + [regex]::Escape($runbookBase) + '(?<file>[A-Za-z0-9._-]+\.md)#(?<anchor>[^#\s]+)$')
        $expectedAnchor = $alert.Name.ToLowerInvariant()
        if (-not $m.Success) {
            $problem = "runbook_url '$url' is not of the form $runbookBase<file>.md#<anchor> (runbookBaseUrl in mixin/config.libsonnet)"
        }
        elseif ($m.Groups['anchor'].Value -ne $expectedAnchor) {
            $problem = "anchor '#$($m.Groups['anchor'].Value)' should be '#$expectedAnchor'"
        }
        else {
            $doc = Join-Path $Root 'docs' 'runbooks' $m.Groups['file'].Value
            if (-not (Test-Path -LiteralPath $doc -PathType Leaf)) {
                $problem = "docs/runbooks/$($m.Groups['file'].Value) does not exist"
            }
            else {
                if (-not $anchorCache.ContainsKey($doc)) { $anchorCache[$doc] = Get-HeadingAnchors -Path $doc }
                if ($anchorCache[$doc] -notcontains $expectedAnchor) {
                    $problem = "no heading in docs/runbooks/$($m.Groups['file'].Value) has the anchor #$expectedAnchor"
                }
            }
        }
        Add-Check -Name "$id`: runbook_url resolves to a runbook section" -Ok ($null -eq $problem) -Detail $problem

        $firing = @($tests | Where-Object { $_.AlertName -eq $alert.Name -and $_.Severities -contains $alert.Severity })
        Add-Check -Name "$id`: fires in a unit test" -Ok ($firing.Count -gt 0) `
            -Detail "no alert_rule_test for $($alert.Name) expects an alert with severity $($alert.Severity)"
    }

    foreach ($name in $alertNames) {
        $severities = @($alerts | Where-Object Name -EQ $name | ForEach-Object Severity)
        if ($severities -contains 'heartbeat') { continue }   # always firing by design
        $quiet = @($tests | Where-Object { $_.AlertName -eq $name -and $_.Severities.Count -eq 0 })
        Add-Check -Name "$name`: shown quiet in a unit test" -Ok ($quiet.Count -gt 0) `
            -Detail "no alert_rule_test for $name expects no alerts"
    }

    # A P2 must never wait longer than its P1 twin, or the P1 could fire alone.
    foreach ($name in $alertNames) {
        $p1 = @($alerts | Where-Object { $_.Name -eq $name -and $_.Severity -eq 'P1' })
        $p2 = @($alerts | Where-Object { $_.Name -eq $name -and $_.Severity -eq 'P2' })
        if ($p1.Count -ne 1 -or $p2.Count -ne 1) { continue }
        $p1For = ConvertTo-Seconds $p1[0].For
        $p2For = ConvertTo-Seconds $p2[0].For
        Add-Check -Name "$name`: P2 for: ($($p2[0].For)) is not longer than P1 for: ($($p1[0].For))" `
            -Ok ($p2For -le $p1For) -Detail 'the P1 alert would fire without its P2 twin'
    }

    # Tests must only name alerts that exist: a misspelt name in a "quiet"
    # test passes promtool without testing anything.
    foreach ($file in $testFiles) {
        $relative = "tests/rules/$($file.Name)"
        $unknown = @($tests | Where-Object { $_.File -eq $relative -and $alertNames -notcontains $_.AlertName } |
            ForEach-Object AlertName | Sort-Object -Unique)
        Add-Check -Name "$relative`: names only alerts defined in rules/" -Ok ($unknown.Count -eq 0) `
            -Detail "unknown alert names: $($unknown -join ', ')"
    }

    # Every alert section in a runbook belongs to an existing alert.
    foreach ($doc in @(Get-ChildItem -Path 'docs/runbooks' -Filter '*.md' -File | Where-Object Name -NE 'README.md' | Sort-Object Name)) {
        $orphans = @([IO.File]::ReadAllLines($doc.FullName) | Where-Object { $_ -match '^##\s+(\S+)\s*$' } |
            ForEach-Object { ($_ -replace '^##\s+', '').Trim() } | Where-Object { $alertNames -cnotcontains $_ })
        Add-Check -Name "docs/runbooks/$($doc.Name): every ## section names an alert" -Ok ($orphans.Count -eq 0) `
            -Detail "sections without an alert: $($orphans -join ', ')"
    }
}
finally {
    Pop-Location
}

Write-Host "$($script:Passed) passed, $($script:Failed) failed"
exit ([int]($script:Failed -gt 0))
