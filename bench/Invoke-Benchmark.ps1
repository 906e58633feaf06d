#Requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks Jamey3 backups side by side with restic, a hand-rolled sqlite3 + tar + zstd
    baseline and a plain cp -a floor, on a generated Jamey data directory.
.DESCRIPTION
    A script a human runs (it is not a test). It builds nothing: it expects the module and the
    sample tool in out/ (build them with build.ps1 -Task Build).

    It generates one data directory of -SizeMB (fixed seed, reused by later runs) under -WorkPath,
    then for each repetition:
      1. copies it to a fresh working directory and takes a FIRST backup with every tool, one
         after the other, into a fresh repository per tool;
      2. changes the data once (jamey3-sample write for -WriteSeconds: new and updated rows,
         index commits, merges), so every tool backs up exactly the same change;
      3. takes a SECOND backup with every tool into the same repositories;
      4. verifies: Test-JameyBackup (full and -Quick) against restic check --read-data.
    The order of the tools rotates from one repetition to the next, and the page cache is dropped
    before every timed command when the script may (root); otherwise figures are warm-cache and
    the results say so. Every command runs under /usr/bin/time for wall time, CPU time and peak
    RSS. Jamey3 runs in a fresh `dotnet pwsh` each time; the child also reports the time the
    cmdlet took inside its process, and a bare start-up + Import-Module is measured in the same
    rotation so the two can be told apart.

    Prints a table of medians and the ratios Jamey3/restic, Jamey3/baseline and Jamey3/cp (the
    median of the per-repetition ratios: each pair was measured minutes apart under the same
    load), and writes them as Markdown and JSON to bench/results/<date>-<size>MB.{md,json}.
.PARAMETER SizeMB
    Size of the generated data directory in MiB.
.PARAMETER Repetitions
    How many times every measurement is repeated; the table shows medians.
.PARAMETER WorkPath
    Scratch folder for the dataset, working copies and repositories (several times -SizeMB free).
.PARAMETER WriteSeconds
    How long the simulated Jamey writes between the first and the second backup.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -SizeMB 500 -Repetitions 3
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -SizeMB 64 -Repetitions 1 -SkipVerify
    A quick smoke run of the script itself.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -FromResults bench/results/2026-11-28-500MB.json
    Prints and rewrites the tables of an earlier run without running anything.
#>
[CmdletBinding()]
param(
    [ValidateRange(16, 1048576)]
    [int] $SizeMB = 500,
    [ValidateRange(1, 100)]
    [int] $Repetitions = 3,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) 'jamey3-bench'),
    [int] $Seed = 1,
    [ValidateRange(1, 3600)]
    [double] $WriteSeconds = 5,
    [string] $ResultsPath = (Join-Path $PSScriptRoot 'results'),
    # Do not drop the page cache even when allowed (warm-cache figures).
    [switch] $NoDropCache,
    [switch] $SkipVerify,
    # Keep each repetition's working copy and repositories (they are deleted by default).
    [switch] $KeepRuns,
    # Delete the generated dataset at the end (it is kept, and reused, by default).
    [switch] $RemoveDataset,
    # Do not run anything: rebuild the tables and the Markdown from an earlier run's JSON.
    [string] $FromResults
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:NO_COLOR = '1'
$inv = [cultureinfo]::InvariantCulture

if (-not $IsLinux) { throw 'This benchmark runs on Linux (it uses /usr/bin/time, /proc and Debian packages).' }

$root = Split-Path $PSScriptRoot -Parent
$module = Join-Path $root 'out/Jamey3/Jamey3.psd1'
$sample = Join-Path $root 'out/tools/sample/jamey3-sample.dll'
$step = Join-Path $PSScriptRoot 'Invoke-JameyStep.ps1'
foreach ($f in $module, $sample) {
    if (-not $FromResults -and -not (Test-Path $f)) {
        throw "Not built: '$f' is missing. Build first: cd '$root' && dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Build"
    }
}

function Write-Status([string] $Message) {
    Write-Host "[$([datetime]::Now.ToString('HH:mm:ss', $inv))] $Message"
}

#region tools

if (-not $FromResults) {
    $needed = [ordered]@{ restic = 'restic'; sqlite3 = 'sqlite3'; zstd = 'zstd'; tar = 'tar'; '/usr/bin/time' = 'time' }
    $missing = @($needed.Keys | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) } | ForEach-Object { $needed[$_] })
    if ($missing.Count -gt 0) {
        if ((Get-Command apt-get -ErrorAction Ignore) -and ((& id -u) -eq '0')) {
            Write-Status "Installing Debian packages: $($missing -join ', ')"
            $env:DEBIAN_FRONTEND = 'noninteractive'
            & apt-get update -qq
            & apt-get install -y -qq --no-install-recommends @missing
            if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed." }
        }
        else {
            throw "Missing: $($missing -join ', '). Install them (as root: apt-get install -y $($missing -join ' '))."
        }
    }
}

function Get-FirstLine([scriptblock] $Block) {
    try { (& $Block 2>&1 | Select-Object -First 1) -as [string] } catch { 'unknown' }
}

#endregion

#region measurement

if (-not $FromResults) {
    $dropCache = $false
    if (-not $NoDropCache) {
        & sh -c 'sync && echo 3 > /proc/sys/vm/drop_caches' 2>$null
        $dropCache = $LASTEXITCODE -eq 0
        if (-not $dropCache) { Write-Warning 'Cannot drop the page cache (not root, or /proc/sys is read-only): the figures are warm-cache.' }
    }
    $cacheMode = if ($dropCache) { 'cold: sync + drop_caches before every timed command' } else { 'warm: page cache not dropped' }
}

function Clear-PageCache {
    if ($dropCache) {
        & sh -c 'sync && echo 3 > /proc/sys/vm/drop_caches'
        if ($LASTEXITCODE -ne 0) { throw 'Dropping the page cache failed.' }
    }
}

$timeFile = $null

<# Runs one command under /usr/bin/time; returns wall, CPU and peak RSS, and the command's output. #>
function Invoke-Measured([string[]] $Command) {
    Remove-Item $timeFile -ErrorAction Ignore
    $exe, $arguments = $Command
    $output = @(& /usr/bin/time -f '%e %U %S %M' -o $timeFile $exe @arguments 2>&1 | ForEach-Object { "$_" })
    $code = $LASTEXITCODE
    if ($code -ne 0) { throw "'$($Command -join ' ')' exited with $code`n$($output -join "`n")" }
    $fields = (Get-Content $timeFile | Select-Object -Last 1).Trim() -split '\s+'
    [pscustomobject]@{
        Wall   = [double]::Parse($fields[0], $inv)
        Cpu    = [double]::Parse($fields[1], $inv) + [double]::Parse($fields[2], $inv)
        RssKB  = [long]::Parse($fields[3], $inv)
        Output = $output
    }
}

function Get-TreeBytes([string] $Path) {
    if (-not (Test-Path $Path)) { return 0L }
    [long]((& du -sb $Path) -split '\s+')[0]
}

function Get-Median([double[]] $Values) {
    $v = @($Values | Sort-Object)
    if ($v.Count -eq 0) { return $null }
    $m = [math]::Floor($v.Count / 2)
    if ($v.Count % 2) { $v[$m] } else { ($v[$m - 1] + $v[$m]) / 2 }
}

#endregion

#region the contenders

$pwshStep = @('dotnet', 'pwsh', '-NoProfile', '-NonInteractive', '-File', $step, '-ModulePath', $module)

# Each backup tool: how to prepare its repository (untimed) and the command of one backup (timed).
$backupTools = @(
    [pscustomobject]@{ Name = 'jamey-zstd'; Label = 'Jamey3 New-JameyBackup (zstd)'; Jamey = $true
        Init = $null
        Command = { param($D, $R, $Phase) $pwshStep + @('-Operation', 'Backup', '-DataPath', $D, '-BackupPath', $R, '-Compression', 'Zstd') } }
    [pscustomobject]@{ Name = 'jamey-none'; Label = 'Jamey3 New-JameyBackup -Compression None'; Jamey = $true
        Init = $null
        Command = { param($D, $R, $Phase) $pwshStep + @('-Operation', 'Backup', '-DataPath', $D, '-BackupPath', $R, '-Compression', 'None') } }
    [pscustomobject]@{ Name = 'restic'; Label = 'restic backup'; Jamey = $false
        Init = { param($R) @('restic', '-r', (Join-Path $R 'repo'), 'init', '-q') }
        Command = { param($D, $R, $Phase) @('restic', '-r', (Join-Path $R 'repo'), '--cache-dir', (Join-Path $R 'cache'), 'backup', '-q', $D) } }
    [pscustomobject]@{ Name = 'baseline'; Label = 'sqlite3 .backup + tar | zstd -3 -T2'; Jamey = $false
        Init = $null
        # The consistent database copy and the memory folder go into one zstd-compressed tar; the copy is then deleted.
        Command = { param($D, $R, $Phase)
            @('bash', '-c', 'set -euo pipefail; out="$2/$3"; mkdir -p "$out"; sqlite3 -readonly "$1/jamey.db" ".backup \"$out/jamey.db\""; tar -cf - -C "$out" jamey.db -C "$1" memory | zstd -3 -T2 -q > "$out/backup.tar.zst"; rm "$out/jamey.db"; sync "$out/backup.tar.zst"', 'bash', $D, $R, $Phase) } }
    [pscustomobject]@{ Name = 'cp'; Label = 'cp -a + fsync (floor)'; Jamey = $false
        Init = $null
        Command = { param($D, $R, $Phase)
            @('bash', '-c', 'set -euo pipefail; mkdir -p "$2"; cp -a "$1" "$2/$3"; find "$2/$3" -type f -exec sync {} +', 'bash', $D, $R, $Phase) } }
    [pscustomobject]@{ Name = 'pwsh-startup'; Label = 'dotnet pwsh start-up + Import-Module only'; Jamey = $true
        Init = $null
        Command = { param($D, $R, $Phase) $pwshStep + @('-Operation', 'Import') } }
)

$verifyTools = @(
    [pscustomobject]@{ Name = 'jamey-verify'; Label = 'Test-JameyBackup (full: restore + integrity_check + CheckIndex)'; Jamey = $true
        Command = { param($Repos) $pwshStep + @('-Operation', 'Verify', '-BackupPath', $Repos['jamey-zstd']) } }
    [pscustomobject]@{ Name = 'jamey-quick'; Label = 'Test-JameyBackup -Quick (re-hash stored files)'; Jamey = $true
        Command = { param($Repos) $pwshStep + @('-Operation', 'QuickVerify', '-BackupPath', $Repos['jamey-zstd']) } }
    [pscustomobject]@{ Name = 'restic-check'; Label = 'restic check --read-data'; Jamey = $false
        Command = { param($Repos) @('restic', '-r', (Join-Path $Repos['restic'] 'repo'), 'check', '--read-data', '-q') } }
)

function Get-Rotated([object[]] $Items, [int] $By) {
    $n = $Items.Count
    0..($n - 1) | ForEach-Object { $Items[($_ + $By) % $n] }
}

#endregion

#region run

if ($FromResults) {
    # Re-render the tables and files of an earlier run from its JSON.
    $loaded = Get-Content $FromResults -Raw | ConvertFrom-Json
    $meta = $loaded.meta
    $samples = @($loaded.samples)
    $changes = @($loaded.changes)
    $SizeMB = $meta.sizeMB; $Repetitions = $meta.repetitions; $Seed = $meta.seed; $WriteSeconds = $meta.writeSeconds
    $cacheMode = $meta.cache
}
else {
    $started = Get-Date
    New-Item -ItemType Directory -Force -Path $WorkPath | Out-Null
    $WorkPath = (Resolve-Path $WorkPath).ProviderPath
    $timeFile = Join-Path $WorkPath 'time.txt'
    $env:RESTIC_PASSWORD = 'x'

    $meta = [ordered]@{
        date              = $started.ToString('yyyy-MM-dd', $inv)
        startedAt         = $started.ToUniversalTime().ToString('o', $inv)
        sizeMB            = $SizeMB
        seed              = $Seed
        repetitions       = $Repetitions
        writeSeconds      = $WriteSeconds
        cache             = $cacheMode
        cpus              = [Environment]::ProcessorCount
        memoryMB          = [math]::Round(([long]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '')) / 1024)
        kernel            = (& uname -r)
        loadAverageBefore = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
        loadAverageAfter  = $null
        jamey3Commit      = (Get-FirstLine { & git -C $root rev-parse --short HEAD })
        pwsh              = $PSVersionTable.PSVersion.ToString()
        restic            = (Get-FirstLine { & restic version })
        zstd              = (Get-FirstLine { & zstd --version })
        sqlite3           = ((Get-FirstLine { & sqlite3 --version }) -split ' ')[0]
        workPath          = $WorkPath
    }

    # One dataset per size and seed, generated once and copied for every repetition.
    $dataset = Join-Path $WorkPath "dataset-$($SizeMB)MB-seed$Seed"
    $datasetInfo = "$dataset.json"
    if (-not (Test-Path $datasetInfo)) {
        if (Test-Path $dataset) { Remove-Item $dataset -Recurse -Force }
        Write-Status "Generating $SizeMB MB of sample Jamey data (seed $Seed) into $dataset ..."
        $summary = & dotnet $sample generate --path $dataset --size "$($SizeMB)MB" --seed $Seed
        if ($LASTEXITCODE -ne 0) { throw "jamey3-sample generate failed ($LASTEXITCODE)." }
        Set-Content -Path $datasetInfo -Value ($summary | Select-Object -Last 1)
    }
    else { Write-Status "Reusing the dataset $dataset" }
    $meta.dataset = Get-Content $datasetInfo -Raw | ConvertFrom-Json

    $samples = [System.Collections.Generic.List[object]]::new()
    $changes = [System.Collections.Generic.List[object]]::new()

    function Add-Sample($Rep, $Phase, $Tool, $Measured, [long] $SourceBytes, [long] $RepoBytes) {
        $json = if ($Tool.Jamey) { $Measured.Output | Where-Object { $_.StartsWith('{"operation"') } | Select-Object -Last 1 } else { $null }
        $child = if ($json) { $json | ConvertFrom-Json } else { $null }
        $s = [pscustomobject][ordered]@{
            repetition       = $Rep
            phase            = $Phase
            tool             = $Tool.Name
            wallSeconds      = $Measured.Wall
            cpuSeconds       = [math]::Round($Measured.Cpu, 2)
            peakRssMB        = [math]::Round($Measured.RssKB / 1024, 1)
            inProcessSeconds = if ($child) { $child.operationSeconds } else { $null }
            importSeconds    = if ($child) { $child.importSeconds } else { $null }
            sourceBytes      = $SourceBytes
            repositoryBytes  = $RepoBytes
        }
        $samples.Add($s)
        $extra = if ($null -ne $s.inProcessSeconds -and $Tool.Name -ne 'pwsh-startup') { " (in-process $($s.inProcessSeconds) s)" } else { '' }
        Write-Status ("  {0,-7} {1,-13} {2,7:0.00} s{3}, cpu {4:0.0} s, rss {5:0} MB" -f $Phase, $Tool.Name, $s.wallSeconds, $extra, $s.cpuSeconds, $s.peakRssMB)
    }

    for ($rep = 1; $rep -le $Repetitions; $rep++) {
        $runDir = Join-Path $WorkPath "run-$rep"
        if (Test-Path $runDir) { Remove-Item $runDir -Recurse -Force }
        New-Item -ItemType Directory -Path $runDir | Out-Null
        $data = Join-Path $runDir 'data'
        & cp -a $dataset $data
        if ($LASTEXITCODE -ne 0) { throw "cp -a '$dataset' '$data' failed." }
        $repos = @{}
        foreach ($t in $backupTools) {
            $repos[$t.Name] = Join-Path $runDir "repo-$($t.Name)"
            if ($t.Init) {
                New-Item -ItemType Directory -Path $repos[$t.Name] | Out-Null
                $cmd = & $t.Init $repos[$t.Name]
                $exe, $arguments = $cmd
                & $exe @arguments | Out-Null
                if ($LASTEXITCODE -ne 0) { throw "'$($cmd -join ' ')' failed." }
            }
        }
        $order = @(Get-Rotated $backupTools ($rep - 1))
        Write-Status "Repetition $rep of ${Repetitions}: order $(($order.Name) -join ', ')"

        foreach ($phase in 'first', 'second') {
            if ($phase -eq 'second') {
                # One change, seen by every tool: a simulated Jamey writes rows and commits index documents.
                $before = Get-TreeBytes $data
                $out = & dotnet $sample write --path $data --seed ($Seed + $rep) --duration $WriteSeconds.ToString($inv) --ignore-stdin
                if ($LASTEXITCODE -ne 0) { throw "jamey3-sample write failed ($LASTEXITCODE)." }
                $stats = $out | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1 | ConvertFrom-Json
                $after = Get-TreeBytes $data
                $changes.Add([pscustomobject]@{ repetition = $rep; bytesBefore = $before; bytesAfter = $after; writer = $stats })
                Write-Status "  change: $($stats.rowsInserted) rows inserted, $($stats.rowsUpdated) updated, $($stats.commits) index commits, $($stats.forceMerges) forced merge(s)"
            }
            $sourceBytes = Get-TreeBytes $data
            foreach ($t in $order) {
                Clear-PageCache
                $m = Invoke-Measured (& $t.Command $data $repos[$t.Name] $phase)
                Add-Sample $rep $phase $t $m $sourceBytes (Get-TreeBytes $repos[$t.Name])
            }
        }

        if (-not $SkipVerify) {
            foreach ($t in @(Get-Rotated $verifyTools ($rep - 1))) {
                Clear-PageCache
                $m = Invoke-Measured (& $t.Command $repos)
                $checked = if ($t.Name -eq 'restic-check') { Get-TreeBytes (Join-Path $repos['restic'] 'repo') } else { Get-TreeBytes $repos['jamey-zstd'] }
                Add-Sample $rep 'verify' $t $m (Get-TreeBytes $data) $checked
            }
        }

        if (-not $KeepRuns) { Remove-Item $runDir -Recurse -Force }
        # The raw samples so far, in case a later repetition fails (re-render them with -FromResults).
        New-Item -ItemType Directory -Force -Path $ResultsPath | Out-Null
        [ordered]@{ meta = $meta; changes = $changes; samples = $samples } | ConvertTo-Json -Depth 6 |
            Set-Content (Join-Path $ResultsPath "$($meta.date)-$($SizeMB)MB.json")
    }
    $meta.loadAverageAfter = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
    $meta.finishedAt = (Get-Date).ToUniversalTime().ToString('o', $inv)
    $meta.elapsedMinutes = [math]::Round(((Get-Date) - $started).TotalMinutes, 1)
    Remove-Item $timeFile -ErrorAction Ignore
    Remove-Item Env:RESTIC_PASSWORD -ErrorAction Ignore
    if ($RemoveDataset) { Remove-Item $dataset, $datasetInfo -Recurse -Force }
}

#endregion

#region summary

$MB = 1MB
$labels = @{}
foreach ($t in $backupTools + $verifyTools) { $labels[$t.Name] = $t.Label }

$rows = [System.Collections.Generic.List[object]]::new()
function Add-Row([string] $Phase, [string] $Tool, [string] $Label, [double[]] $Seconds, [object[]] $Of) {
    $source = Get-Median ($Of | ForEach-Object sourceBytes)
    $median = Get-Median $Seconds
    $isInProcess = $Label.EndsWith('(in-process)')
    $stored = Get-Median ($Of | ForEach-Object repositoryBytes)
    $rows.Add([pscustomobject][ordered]@{
            Phase       = $Phase
            Tool        = $Tool
            What        = $Label
            MedianS     = [math]::Round($median, 2)
            MinS        = [math]::Round(($Seconds | Measure-Object -Minimum).Minimum, 2)
            MaxS        = [math]::Round(($Seconds | Measure-Object -Maximum).Maximum, 2)
            MBps        = if ($median -gt 0 -and $Phase -ne 'start-up') { [math]::Round($source / $MB / $median, 1) } else { $null }
            CpuS        = if ($isInProcess) { $null } else { [math]::Round((Get-Median ($Of | ForEach-Object cpuSeconds)), 1) }
            PeakRssMB   = if ($isInProcess) { $null } else { [math]::Round((($Of | ForEach-Object peakRssMB) | Measure-Object -Maximum).Maximum) }
            StoredMB    = if ($isInProcess -or $Phase -in @('verify', 'start-up')) { $null } else { [math]::Round($stored / $MB, 1) }
            AddedMB     = if ($isInProcess -or $Phase -ne 'second') { $null } else {
                [math]::Round((Get-Median ($Of | ForEach-Object {
                                $s = $_; $first = $samples | Where-Object { $_.repetition -eq $s.repetition -and $_.phase -eq 'first' -and $_.tool -eq $s.tool }
                                $s.repositoryBytes - $first.repositoryBytes })) / $MB, 1)
            }
        })
}

foreach ($phase in 'first', 'second', 'verify') {
    $tools = if ($phase -eq 'verify') { $verifyTools } else { $backupTools | Where-Object Name -ne 'pwsh-startup' }
    foreach ($t in $tools) {
        $of = @($samples | Where-Object { $_.phase -eq $phase -and $_.tool -eq $t.Name })
        if ($of.Count -eq 0) { continue }
        Add-Row $phase $t.Name "$($t.Label)$(if ($t.Jamey) { ' (fresh pwsh, wall)' })" ($of | ForEach-Object wallSeconds) $of
        if ($t.Jamey) { Add-Row $phase "$($t.Name)-inproc" "$($t.Label) (in-process)" ($of | ForEach-Object inProcessSeconds) $of }
    }
}
$startup = @($samples | Where-Object tool -eq 'pwsh-startup')
Add-Row 'start-up' 'pwsh-startup' $labels['pwsh-startup'] ($startup | ForEach-Object wallSeconds) $startup

# Ratios: per repetition (both measured in the same repetition, minutes apart), then the median.
function Get-Sample($Rep, $Phase, $Tool) { $samples | Where-Object { $_.repetition -eq $Rep -and $_.phase -eq $Phase -and $_.tool -eq $Tool } | Select-Object -First 1 }
function Get-Value($S, [string] $Metric) {
    switch ($Metric) {
        'wall' { $S.wallSeconds } 'inproc' { $S.inProcessSeconds } 'cpu' { $S.cpuSeconds }
        'rss' { $S.peakRssMB } 'stored' { $S.repositoryBytes }
    }
}
$ratios = [System.Collections.Generic.List[object]]::new()
function Add-Ratio([string] $Phase, [string] $Metric, [string] $A, [string] $AMetric, [string] $B, [string] $Description) {
    $values = foreach ($rep in 1..$Repetitions) {
        $sa = Get-Sample $rep $Phase $A; $sb = Get-Sample $rep $Phase $B
        if ($sa -and $sb) {
            $x = Get-Value $sa $AMetric; $y = Get-Value $sb $Metric
            if ($y) { $x / $y }
        }
    }
    if (@($values).Count -eq 0) { return }
    $ratios.Add([pscustomobject][ordered]@{
            Phase       = $Phase
            Ratio       = $Description
            Median      = [math]::Round((Get-Median $values), 2)
            PerRep      = (@($values) | ForEach-Object { $_.ToString('0.00', $inv) }) -join ' '
        })
}
foreach ($phase in 'first', 'second') {
    foreach ($peer in @(@('restic', 'restic'), @('baseline', 'baseline'), @('cp', 'cp -a'))) {
        Add-Ratio $phase 'wall' 'jamey-zstd' 'wall' $peer[0] "time: Jamey3 zstd, fresh pwsh / $($peer[1])"
        Add-Ratio $phase 'wall' 'jamey-zstd' 'inproc' $peer[0] "time: Jamey3 zstd, in-process / $($peer[1])"
    }
    Add-Ratio $phase 'wall' 'jamey-none' 'inproc' 'cp' 'time: Jamey3 -Compression None, in-process / cp -a'
    Add-Ratio $phase 'cpu' 'jamey-zstd' 'cpu' 'restic' 'CPU seconds: Jamey3 zstd / restic'
    Add-Ratio $phase 'cpu' 'jamey-zstd' 'cpu' 'baseline' 'CPU seconds: Jamey3 zstd / baseline'
    Add-Ratio $phase 'rss' 'jamey-zstd' 'rss' 'restic' 'peak RSS: Jamey3 zstd / restic'
    Add-Ratio $phase 'stored' 'jamey-zstd' 'stored' 'restic' 'repository size: Jamey3 zstd / restic'
    Add-Ratio $phase 'stored' 'jamey-zstd' 'stored' 'baseline' 'repository size: Jamey3 zstd / baseline'
}
Add-Ratio 'verify' 'wall' 'jamey-verify' 'wall' 'restic-check' 'time: Test-JameyBackup full, fresh pwsh / restic check --read-data'
Add-Ratio 'verify' 'wall' 'jamey-verify' 'inproc' 'restic-check' 'time: Test-JameyBackup full, in-process / restic check --read-data'
Add-Ratio 'verify' 'wall' 'jamey-quick' 'inproc' 'restic-check' 'time: Test-JameyBackup -Quick, in-process / restic check --read-data'

Write-Host ''
$rows | Format-Table Phase, What, MedianS, MinS, MaxS, MBps, CpuS, PeakRssMB, StoredMB, AddedMB -AutoSize | Out-String -Width 250 | Write-Host
$ratios | Format-Table Phase, Ratio, Median, PerRep -AutoSize | Out-String -Width 250 | Write-Host

#endregion

#region results files

New-Item -ItemType Directory -Force -Path $ResultsPath | Out-Null
$base = Join-Path $ResultsPath "$($meta.date)-$($SizeMB)MB"
[ordered]@{ meta = $meta; rows = $rows; ratios = $ratios; changes = $changes; samples = $samples } |
    ConvertTo-Json -Depth 6 | Set-Content "$base.json"

function Format-Cell($v) { if ($null -eq $v) { '—' } elseif ($v -is [double]) { $v.ToString('0.##', $inv) } else { "$v" } }
$md = [System.Text.StringBuilder]::new()
$sourceMB = [math]::Round((Get-Median ($samples | Where-Object phase -eq 'first' | ForEach-Object sourceBytes)) / $MB, 1)
$medianChange = Get-Median ($changes | ForEach-Object { $_.writer.rowsInserted + $_.writer.rowsUpdated })
[void]$md.AppendLine("# Jamey3 benchmark, $($meta.date), $SizeMB MB")
[void]$md.AppendLine()
[void]$md.AppendLine("Produced by ``bench/Invoke-Benchmark.ps1 -SizeMB $SizeMB -Repetitions $Repetitions`` (Jamey3 $($meta.jamey3Commit)) in $($meta.elapsedMinutes) minutes.")
[void]$md.AppendLine()
[void]$md.AppendLine("- Machine: $($meta.cpus) CPUs, $($meta.memoryMB) MB RAM, Linux $($meta.kernel); **shared with other jobs** (load average $($meta.loadAverageBefore) before, $($meta.loadAverageAfter) after). Absolute figures are noisy; the ratios compare runs made minutes apart under the same load.")
[void]$md.AppendLine("- Page cache: $cacheMode.")
[void]$md.AppendLine("- Data: ``jamey3-sample generate --size $($SizeMB)MB --seed $Seed``: $sourceMB MB on disk (jamey.db $([math]::Round($meta.dataset.databaseBytes / $MB)) MB, five indices $([math]::Round($meta.dataset.totalIndexBytes / $MB)) MB). Between the first and second backup a simulated Jamey wrote for $WriteSeconds s (median $medianChange rows inserted or updated, with index commits and merges), once per repetition, so every tool saw the same change.")
[void]$md.AppendLine("- Peers: restic $((($meta.restic -split ' ')[1])) (fresh repository per repetition, default compression), sqlite3 $($meta.sqlite3), zstd $([regex]::Match($meta.zstd, 'v[\d.]+').Value), pwsh $($meta.pwsh).")
[void]$md.AppendLine("- Jamey3 rows: *fresh pwsh, wall* is a new ``dotnet pwsh`` process per backup (start-up and Import-Module included, as a scheduled run pays them); *in-process* is the cmdlet alone, timed inside that process. The start-up row is a bare ``dotnet pwsh`` + Import-Module, measured in the same rotation.")
[void]$md.AppendLine("- MB/s is source size / median time (for the second backup, the whole data directory over the time of the incremental run). CPU is user+sys. Peak RSS is the largest single process (``/usr/bin/time -v``; for pipelines, the largest member; for ``dotnet pwsh`` the pwsh child). Stored MB is ``du -sb`` of the repository after that backup (after the second it holds both); added MB is what the second backup added. MB means MiB (2^20 bytes) throughout.")
[void]$md.AppendLine()
[void]$md.AppendLine('| phase | what | median s | min–max s | MB/s | CPU s | peak RSS MB | stored MB | added MB |')
[void]$md.AppendLine('|---|---|---:|---:|---:|---:|---:|---:|---:|')
foreach ($r in $rows) {
    [void]$md.AppendLine("| $($r.Phase) | $($r.What -replace '\|', '\|') | $(Format-Cell $r.MedianS) | $(Format-Cell $r.MinS)–$(Format-Cell $r.MaxS) | $(Format-Cell $r.MBps) | $(Format-Cell $r.CpuS) | $(Format-Cell $r.PeakRssMB) | $(Format-Cell $r.StoredMB) | $(Format-Cell $r.AddedMB) |")
}
[void]$md.AppendLine()
[void]$md.AppendLine('Ratios (median of the per-repetition ratios; below 1 means Jamey3 is faster, smaller or lighter):')
[void]$md.AppendLine()
[void]$md.AppendLine('| phase | ratio | median | per repetition |')
[void]$md.AppendLine('|---|---|---:|---|')
foreach ($r in $ratios) { [void]$md.AppendLine("| $($r.Phase) | $($r.Ratio) | $(Format-Cell $r.Median) | $($r.PerRep) |") }
[void]$md.AppendLine()
[void]$md.AppendLine('What the peers do not do, so read them as throughput references, not equivalents:')
[void]$md.AppendLine()
[void]$md.AppendLine('- restic reads the live files as they are: no consistent SQLite snapshot and no pinned Lucene commit (under a writer it can store a torn database or index). It deduplicates by content-defined chunks and encrypts.')
[void]$md.AppendLine('- The baseline takes a consistent database copy (`.backup`) but tars the index folders as they are, stores no per-file hashes and has no incremental mode (the second backup is a full one).')
[void]$md.AppendLine('- `cp -a` + fsync is the floor the disk allows for a full, uncompressed, unverified copy.')
[void]$md.AppendLine('- `Test-JameyBackup` (full) restores the newest backup to a temporary folder, checks every content hash, runs `integrity_check` and Lucene''s CheckIndex; `-Quick` re-hashes the stored bytes. `restic check --read-data` reads and decrypts every pack of the repository (both snapshots) and checks its hashes; it does not open the database or the indices.')
Set-Content "$base.md" $md.ToString()
Write-Status "Results written to $base.md and $base.json"

#endregion
