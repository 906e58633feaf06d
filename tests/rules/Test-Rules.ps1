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

# ---------------------------------------------------------------------------
# A reader for the subset of YAML used by Prometheus rule and test files:
# block mappings and sequences, plain, quoted and block (| >) scalars, and
# flow collections ([a, b], {k: v}). Every scalar is returned as a string.
# Anchors, aliases, tags and multiple documents are rejected, not guessed at.
# ---------------------------------------------------------------------------
class MiniYaml {
    hidden [string[]] $Lines
    hidden [int] $Pos
    hidden [string] $Source
    hidden [string] $Flow
    hidden [int] $FlowPos

    hidden MiniYaml([string[]] $lines, [string] $source) {
        $this.Lines = $lines
        $this.Pos = 0
        $this.Source = $source
    }

    static [object] ReadFile([string] $path) {
        $reader = [MiniYaml]::new([IO.File]::ReadAllLines($path), $path)
        return $reader.ReadDocument()
    }

    hidden [object] ReadDocument() {
        $this.SkipBlank()
        if ($this.Pos -lt $this.Lines.Count -and $this.Lines[$this.Pos].TrimEnd() -eq '---') {
            $this.Pos++
            $this.SkipBlank()
        }
        if ($this.Pos -ge $this.Lines.Count) { return $null }
        $value = $this.ReadNode($this.IndentOf($this.Pos))
        $this.SkipBlank()
        if ($this.Pos -lt $this.Lines.Count) { $this.Fail('unexpected content (bad indentation or a second document)') }
        return $value
    }

    hidden [void] Fail([string] $message) {
        throw "$($this.Source):$([Math]::Min($this.Pos + 1, $this.Lines.Count)): $message"
    }

    hidden [bool] IsBlank([int] $i) {
        $t = $this.Lines[$i].Trim()
        return $t -eq '' -or $t.StartsWith('#')
    }

    hidden [void] SkipBlank() {
        while ($this.Pos -lt $this.Lines.Count -and $this.IsBlank($this.Pos)) { $this.Pos++ }
    }

    hidden [int] IndentOf([int] $i) {
        $line = $this.Lines[$i]
        if ($line.Contains("`t")) { $this.Pos = $i; $this.Fail('tab characters are not allowed in YAML indentation') }
        return $line.Length - $line.TrimStart(' ').Length
    }

    static [bool] IsSequenceEntry([string] $text) {
        return $text -eq '-' -or $text.StartsWith('- ')
    }

    # "key: ..." -> the key's match, or $null when the text is not a mapping entry.
    static [System.Text.RegularExpressions.Match] MatchKey([string] $text) {
        $m = [regex]::Match($text, '^(?:"(?<dq>(?:[^"\\]|\\.)*)"|''(?<sq>(?:[^'']|'''')*)''|(?<plain>[^\s#''"\[\]{},&*!|>%@`-][^#]*?|-[^\s#][^#]*?))[ ]*:(?=[ ]|$)')
        if ($m.Success) { return $m }
        return $null
    }

    static [string] KeyText([System.Text.RegularExpressions.Match] $m) {
        if ($m.Groups['dq'].Success) { return [MiniYaml]::Unescape($m.Groups['dq'].Value) }
        if ($m.Groups['sq'].Success) { return $m.Groups['sq'].Value.Replace("''", "'") }
        return $m.Groups['plain'].Value.Trim()
    }

    # The node starting at the current line, whose indentation is $indent.
    hidden [object] ReadNode([int] $indent) {
        $text = $this.Lines[$this.Pos].Substring($indent)
        if ([MiniYaml]::IsSequenceEntry($text)) { return $this.ReadSequence($indent) }
        if ($null -ne [MiniYaml]::MatchKey($text)) { return $this.ReadMapping($indent) }
        # A lone scalar (document or nested value on its own line).
        $this.Pos++
        return $this.ReadValue($text, $indent - 1)
    }

    hidden [object] ReadSequence([int] $indent) {
        $items = [System.Collections.Generic.List[object]]::new()
        while ($true) {
            $this.SkipBlank()
            if ($this.Pos -ge $this.Lines.Count -or $this.IndentOf($this.Pos) -ne $indent) { break }
            $text = $this.Lines[$this.Pos].Substring($indent)
            if (-not [MiniYaml]::IsSequenceEntry($text)) { break }
            $rest = if ($text.Length -gt 1) { $text.Substring(2) } else { '' }
            $content = $rest.TrimStart(' ')
            if ($content -eq '' -or $content.StartsWith('#')) {
                $this.Pos++
                $items.Add($this.ReadChild($indent))
                continue
            }
            $inner = $indent + 2 + ($rest.Length - $content.Length)
            if ([MiniYaml]::IsSequenceEntry($content) -or $null -ne [MiniYaml]::MatchKey($content)) {
                # "- key: value" or "- - x": the dash acts as indentation for the entry.
                $this.Lines[$this.Pos] = (' ' * $inner) + $content
                $items.Add($this.ReadNode($inner))
            }
            else {
                $this.Pos++
                $items.Add($this.ReadValue($content, $indent))
            }
        }
        return $items.ToArray()
    }

    hidden [object] ReadMapping([int] $indent) {
        $map = [System.Collections.Specialized.OrderedDictionary]::new()
        while ($true) {
            $this.SkipBlank()
            if ($this.Pos -ge $this.Lines.Count) { break }
            $lineIndent = $this.IndentOf($this.Pos)
            if ($lineIndent -lt $indent) { break }
            if ($lineIndent -gt $indent) { $this.Fail('unexpected indentation') }
            $text = $this.Lines[$this.Pos].Substring($indent)
            if ([MiniYaml]::IsSequenceEntry($text)) { break }
            $m = [MiniYaml]::MatchKey($text)
            if ($null -eq $m) { $this.Fail("expected 'key: value', found: $text") }
            $key = [MiniYaml]::KeyText($m)
            if ($map.Contains($key)) { $this.Fail("duplicate key '$key'") }
            $this.Pos++
            $map[$key] = $this.ReadValue($text.Substring($m.Length), $indent)
        }
        return $map
    }

    # The value of an entry whose text after "key:" (or "- ") is $rest; the
    # entry sits at $indent and the current line is the one after it.
    hidden [object] ReadValue([string] $rest, [int] $indent) {
        $rest = $rest.Trim()
        if ($rest -eq '' -or $rest.StartsWith('#')) {
            $this.SkipBlank()
            if ($this.Pos -ge $this.Lines.Count) { return $null }
            $childIndent = $this.IndentOf($this.Pos)
            if ($childIndent -gt $indent) { return $this.ReadNode($childIndent) }
            if ($childIndent -eq $indent -and [MiniYaml]::IsSequenceEntry($this.Lines[$this.Pos].Substring($indent))) {
                return $this.ReadSequence($indent)
            }
            return $null
        }
        $first = $rest[0]
        if ($first -eq '&' -or $first -eq '*' -or $first -eq '!') {
            $this.Pos--
            $this.Fail('anchors, aliases and tags are not supported')
        }
        if ($first -eq '|' -or $first -eq '>') { return $this.ReadBlockScalar($rest, $indent) }
        if ($first -eq '"' -or $first -eq "'") { return $this.ReadQuoted($rest, $indent) }
        if ($first -eq '[' -or $first -eq '{') { return $this.ReadFlowText($rest, $indent) }
        return $this.ReadPlain($rest, $indent)
    }

    hidden [object] ReadChild([int] $parentIndent) {
        $this.SkipBlank()
        if ($this.Pos -ge $this.Lines.Count) { return $null }
        $childIndent = $this.IndentOf($this.Pos)
        if ($childIndent -le $parentIndent) { return $null }
        return $this.ReadNode($childIndent)
    }

    static [string] StripComment([string] $text) {
        $m = [regex]::Match($text, '(^|\s)#')
        if ($m.Success) { return $text.Substring(0, $m.Index) }
        return $text
    }

    # Lines indented deeper than $indent that continue a plain or quoted scalar.
    hidden [string[]] TakeContinuation([int] $indent, [bool] $stopAtComment) {
        $taken = [System.Collections.Generic.List[string]]::new()
        while ($this.Pos -lt $this.Lines.Count) {
            $line = $this.Lines[$this.Pos]
            $trimmed = $line.Trim()
            if ($trimmed -eq '') {
                # A blank line continues the scalar only if more of it follows.
                $next = $this.Pos + 1
                while ($next -lt $this.Lines.Count -and $this.Lines[$next].Trim() -eq '') { $next++ }
                if ($next -ge $this.Lines.Count -or $this.IndentOf($next) -le $indent) { break }
                $taken.Add('')
                $this.Pos++
                continue
            }
            if ($this.IndentOf($this.Pos) -le $indent) { break }
            if ($stopAtComment -and $trimmed.StartsWith('#')) { break }
            $taken.Add($trimmed)
            $this.Pos++
        }
        return $taken.ToArray()
    }

    # Joins scalar lines the way YAML folds them: a line break becomes a space,
    # an empty line becomes a line break.
    static [string] Fold([string[]] $parts) {
        $sb = [System.Text.StringBuilder]::new()
        $pendingBreaks = 0
        $started = $false
        foreach ($part in $parts) {
            if ($part -eq '') { $pendingBreaks++; continue }
            if ($started) {
                if ($pendingBreaks -gt 0) { [void]$sb.Append("`n" * $pendingBreaks) } else { [void]$sb.Append(' ') }
            }
            [void]$sb.Append($part)
            $pendingBreaks = 0
            $started = $true
        }
        return $sb.ToString()
    }

    hidden [string] ReadPlain([string] $rest, [int] $indent) {
        $parts = [System.Collections.Generic.List[string]]::new()
        $parts.Add([MiniYaml]::StripComment($rest).Trim())
        if ($rest -match '(^|\s)#') { return $parts[0] }
        foreach ($line in $this.TakeContinuation($indent, $true)) {
            $parts.Add([MiniYaml]::StripComment($line).Trim())
        }
        return [MiniYaml]::Fold($parts.ToArray())
    }

    hidden [string] ReadQuoted([string] $rest, [int] $indent) {
        $quote = $rest[0]
        $text = $rest
        $physical = [System.Collections.Generic.List[string]]::new()
        $physical.Add($rest)
        while ($true) {
            $end = [MiniYaml]::ClosingQuote($text, $quote)
            if ($end -ge 0) {
                $after = [MiniYaml]::StripComment($text.Substring($end + 1)).Trim()
                if ($after -ne '') { $this.Pos--; $this.Fail("unexpected text after quoted scalar: $after") }
                break
            }
            if ($this.Pos -ge $this.Lines.Count) { $this.Fail('unterminated quoted scalar') }
            $next = $this.Lines[$this.Pos].Trim()
            $this.Pos++
            $physical.Add($next)
            $text = $text + "`n" + $next
        }
        # Fold the physical lines, then drop the quotes.
        $folded = [MiniYaml]::Fold($physical.ToArray())
        $body = $folded.Substring(1, [MiniYaml]::ClosingQuote($folded, $quote) - 1)
        if ($quote -eq "'") { return $body.Replace("''", "'") }
        return [MiniYaml]::Unescape($body)
    }

    static [int] ClosingQuote([string] $text, [char] $quote) {
        for ($i = 1; $i -lt $text.Length; $i++) {
            $c = $text[$i]
            if ($quote -eq '"' -and $c -eq '\') { $i++; continue }
            if ($c -eq $quote) {
                if ($quote -eq "'" -and $i + 1 -lt $text.Length -and $text[$i + 1] -eq "'") { $i++; continue }
                return $i
            }
        }
        return -1
    }

    static [string] Unescape([string] $text) {
        return [regex]::Replace($text, '\\(u[0-9A-Fa-f]{4}|.)', {
                param($m)
                $e = $m.Groups[1].Value
                switch -CaseSensitive ($e) {
                    'n' { return "`n" }
                    't' { return "`t" }
                    'r' { return "`r" }
                    '0' { return [string][char]0 }
                    ' ' { return ' ' }
                }
                if ($e.Length -eq 5) { return [string][char][Convert]::ToInt32($e.Substring(1), 16) }
                return $e
            })
    }

    hidden [string] ReadBlockScalar([string] $header, [int] $indent) {
        $h = [regex]::Match([MiniYaml]::StripComment($header).Trim(), '^(?<style>[|>])(?<a>[+-]?)(?<digits>[1-9]?)(?<b>[+-]?)$')
        if (-not $h.Success) { $this.Pos--; $this.Fail("bad block scalar header: $header") }
        $chomp = $h.Groups['a'].Value + $h.Groups['b'].Value
        $blockIndent = -1
        if ($h.Groups['digits'].Value -ne '') { $blockIndent = $indent + [int]$h.Groups['digits'].Value }
        $raw = [System.Collections.Generic.List[string]]::new()
        while ($this.Pos -lt $this.Lines.Count) {
            $line = $this.Lines[$this.Pos]
            if ($line.Trim() -eq '') { $raw.Add(''); $this.Pos++; continue }
            $lineIndent = $line.Length - $line.TrimStart(' ').Length
            if ($lineIndent -le $indent) { break }
            if ($blockIndent -lt 0) { $blockIndent = $lineIndent }
            if ($lineIndent -lt $blockIndent) { $this.Fail('block scalar line indented less than its first line') }
            $raw.Add($line.Substring($blockIndent))
            $this.Pos++
        }
        # Trailing blank lines belong to the chomping, not to the content.
        $trailing = 0
        while ($raw.Count -gt 0 -and $raw[$raw.Count - 1] -eq '') { $raw.RemoveAt($raw.Count - 1); $trailing++ }
        if ($h.Groups['style'].Value -eq '|') {
            $body = $raw -join "`n"
        }
        else {
            # Folded: more-indented lines keep their breaks, others fold.
            $sb = [System.Text.StringBuilder]::new()
            $prevMore = $false
            for ($i = 0; $i -lt $raw.Count; $i++) {
                $line = $raw[$i]
                $more = $line.StartsWith(' ')
                if ($i -gt 0) {
                    if ($line -eq '' -or $raw[$i - 1] -eq '' -or $more -or $prevMore) { [void]$sb.Append("`n") } else { [void]$sb.Append(' ') }
                }
                [void]$sb.Append($line)
                $prevMore = $more
            }
            $body = [regex]::Replace($sb.ToString(), '\n(?=\n)', '')
        }
        if ($raw.Count -eq 0) { return '' }
        switch ($chomp) {
            '-' { return $body }
            '+' { return $body + ("`n" * ($trailing + 1)) }
        }
        return $body + "`n"
    }

    hidden [object] ReadFlowText([string] $rest, [int] $indent) {
        $text = $rest
        while (-not [MiniYaml]::FlowBalanced($text)) {
            if ($this.Pos -ge $this.Lines.Count -or ($this.Lines[$this.Pos].Trim() -ne '' -and $this.IndentOf($this.Pos) -le $indent)) {
                $this.Fail('unterminated flow collection')
            }
            $text += ' ' + $this.Lines[$this.Pos].Trim()
            $this.Pos++
        }
        $this.Flow = $text
        $this.FlowPos = 0
        $value = $this.ReadFlowValue()
        $this.SkipFlowSpace()
        if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -ne '#') {
            $this.Pos--
            $this.Fail("unexpected text after flow collection: $($this.Flow.Substring($this.FlowPos))")
        }
        return $value
    }

    static [bool] FlowBalanced([string] $text) {
        $depth = 0
        $quote = [char]0
        for ($i = 0; $i -lt $text.Length; $i++) {
            $c = $text[$i]
            if ($quote -ne [char]0) {
                if ($quote -eq '"' -and $c -eq '\') { $i++ }
                elseif ($c -eq $quote) { $quote = [char]0 }
                continue
            }
            if ($c -eq '"' -or $c -eq "'") { $quote = $c }
            elseif ($c -eq '[' -or $c -eq '{') { $depth++ }
            elseif ($c -eq ']' -or $c -eq '}') { $depth--; if ($depth -eq 0) { return $true } }
        }
        return $false
    }

    hidden [void] SkipFlowSpace() {
        while ($this.FlowPos -lt $this.Flow.Length -and [char]::IsWhiteSpace($this.Flow[$this.FlowPos])) { $this.FlowPos++ }
    }

    hidden [object] ReadFlowValue() {
        $this.SkipFlowSpace()
        if ($this.FlowPos -ge $this.Flow.Length) { $this.Fail('unexpected end of flow collection') }
        $c = $this.Flow[$this.FlowPos]
        if ($c -eq '[') {
            $this.FlowPos++
            $items = [System.Collections.Generic.List[object]]::new()
            while ($true) {
                $this.SkipFlowSpace()
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq ']') { $this.FlowPos++; break }
                $items.Add($this.ReadFlowValue())
                $this.SkipFlowSpace()
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq ',') { $this.FlowPos++; continue }
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq ']') { $this.FlowPos++; break }
                $this.Fail("expected ',' or ']' in: $($this.Flow)")
            }
            return $items.ToArray()
        }
        if ($c -eq '{') {
            $this.FlowPos++
            $map = [System.Collections.Specialized.OrderedDictionary]::new()
            while ($true) {
                $this.SkipFlowSpace()
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq '}') { $this.FlowPos++; break }
                $key = [string]$this.ReadFlowScalar($true)
                $this.SkipFlowSpace()
                $value = $null
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq ':') {
                    $this.FlowPos++
                    $this.SkipFlowSpace()
                    $next = if ($this.FlowPos -lt $this.Flow.Length) { $this.Flow[$this.FlowPos] } else { [char]0 }
                    if ($next -ne ',' -and $next -ne '}') { $value = $this.ReadFlowValue() }
                }
                if ($map.Contains($key)) { $this.Fail("duplicate key '$key'") }
                $map[$key] = $value
                $this.SkipFlowSpace()
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq ',') { $this.FlowPos++; continue }
                if ($this.FlowPos -lt $this.Flow.Length -and $this.Flow[$this.FlowPos] -eq '}') { $this.FlowPos++; break }
                $this.Fail("expected ',' or '}' in: $($this.Flow)")
            }
            return $map
        }
        return $this.ReadFlowScalar($false)
    }

    hidden [string] ReadFlowScalar([bool] $isKey) {
        $c = $this.Flow[$this.FlowPos]
        if ($c -eq '"' -or $c -eq "'") {
            $end = [MiniYaml]::ClosingQuote($this.Flow.Substring($this.FlowPos), $c)
            if ($end -lt 0) { $this.Fail('unterminated quoted scalar') }
            $body = $this.Flow.Substring($this.FlowPos + 1, $end - 1)
            $this.FlowPos += $end + 1
            if ($c -eq "'") { return $body.Replace("''", "'") }
            return [MiniYaml]::Unescape($body)
        }
        $start = $this.FlowPos
        while ($this.FlowPos -lt $this.Flow.Length) {
            $c = $this.Flow[$this.FlowPos]
            if ($c -eq ',' -or $c -eq ']' -or $c -eq '}') { break }
            if ($c -eq ':' -and ($this.FlowPos + 1 -ge $this.Flow.Length -or ' ,]}'.Contains($this.Flow[$this.FlowPos + 1]))) { break }
            $this.FlowPos++
        }
        return $this.Flow.Substring($start, $this.FlowPos - $start).Trim()
    }
}

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
    foreach ($file in $ruleFiles) {
        $relative = "rules/$($file.Name)"
        try {
            $doc = [MiniYaml]::ReadFile($file.FullName)
            foreach ($group in (Get-List (Get-Entry $doc 'groups'))) {
                foreach ($rule in (Get-List (Get-Entry $group 'rules'))) {
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
    foreach ($file in $testFiles) {
        $relative = "tests/rules/$($file.Name)"
        try {
            $doc = [MiniYaml]::ReadFile($file.FullName)
            $groups = Get-List (Get-Entry $doc 'tests')
            $noInterval = @()
            foreach ($group in $groups) {
                if ([string]::IsNullOrWhiteSpace([string](Get-Entry $group 'interval'))) {
                    $noInterval += "test '$(Get-Entry $group 'name')' has no interval: (promtool 2.42 then evaluates nothing)"
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
        $am = [MiniYaml]::ReadFile((Join-Path $Root $alertmanagerConfig))
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
        $m = [regex]::Match($url, '^docs/runbooks/(?<file>[A-Za-z0-9._-]+\.md)#(?<anchor>[^#\s]+)$')
        $expectedAnchor = $alert.Name.ToLowerInvariant()
        if (-not $m.Success) {
            $problem = "runbook_url '$url' is not of the form docs/runbooks/<file>.md#<anchor>"
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
