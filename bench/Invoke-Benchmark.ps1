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
      3. takes a SECOND backup with every tool into the same repositories, then a third of the
         UNCHANGED data;
      4. times a scheduled run's start-up: a bare pwsh against pwsh + Import-Module + one cmdlet;
      5. RESTORES each tool's newest backup into an empty folder (Restore-JameyBackup against
         restic restore, borg extract and cp -a + sync), flushed before the clock stops;
      6. runs the simulated Jamey alone and then while a Jamey3 backup runs (LIVE phase: its
         insert rate and the WAL's peak size);
      7. verifies: Test-JameyBackup (full and -Quick) against restic check --read-data;
      8. COPIES the first and then the second Jamey3 backup to a fresh prefix of a local Azurite
         (Copy-JameyBackup, once per -CopyModes entry, in rotating order): time, bytes sent,
         throughput, and the second copy's bytes as a share of the first's.
    Once per run, -CatalogBackups backups (one real backup cloned with hard links under earlier
    ids) are listed with Get-JameyBackup and planned for retention.
    Peers: restic, borg (unencrypted, zstd 3), sqlite3 .backup + tar | zstd, cp -a.
    The order of the tools rotates from one repetition to the next, and the page cache is dropped
    before every timed command when the script may (root); otherwise figures are warm-cache and
    the results say so. Every command runs under /usr/bin/time for wall time, CPU time and peak
    RSS. Jamey3 runs in a fresh `dotnet pwsh` each time; the child also reports the time the
    cmdlet took inside its process, and a bare start-up + Import-Module is measured in the same
    rotation so the two can be told apart.

    Prints a table of medians, the ratios against each peer (the median of the per-repetition
    ratios: each pair was measured minutes apart under the same load) and one line per target of
    the performance issue (met, missed, not measured), and writes them as Markdown and JSON to
    bench/results/<date>-<size>MB.{md,json}.
.PARAMETER SizeMB
    Size of the generated data directory in MiB.
.PARAMETER Repetitions
    How many times every measurement is repeated; the table shows medians.
.PARAMETER WorkPath
    Scratch folder for the dataset, working copies and repositories (several times -SizeMB free).
.PARAMETER WriteSeconds
    How long the simulated Jamey writes between the first and the second backup.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -Repetitions 3
    The default: 1 GiB of sample data.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -SizeMB 64 -Repetitions 1 -SkipVerify -CatalogBackups 20
    A quick smoke run of the script itself.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -FromResults bench/results/2026-11-28-500MB.json
    Prints and rewrites the tables of an earlier run without running anything.
#>
[CmdletBinding()]
param(
    [ValidateRange(16, 1048576)]
    [int] $SizeMB = 1024,
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
    [switch] $SkipRestore,
    # Skip the live-writer phase (the simulated Jamey's rate and WAL size with and without a backup running).
    [switch] $SkipLiveWriter,
    # How many backups the listing and retention-planning phase creates (0 skips the phase).
    [ValidateRange(0, 100000)]
    [int] $CatalogBackups = 1000,
    # Keep each repetition's working copy and repositories (they are deleted by default).
    [switch] $KeepRuns,
    # Delete the generated dataset at the end (it is kept, and reused, by default).
    [switch] $RemoveDataset,
    # Do not run anything: rebuild the tables and the Markdown from an earlier run's JSON.
    [string] $FromResults,
    # The copy phase's variants (rotated per repetition): 'plain' copies unencrypted, 'encrypted' age-encrypts every
    # object to one X25519 recipient on the way (a write-only host: repository key file + public key only). An empty
    # list skips the phase.
    [ValidateSet('plain', 'encrypted')]
    [string[]] $CopyModes = @('plain', 'encrypted'),
    # Only the copy phase: one Jamey3 backup tool, no peers, no restore, live writer, verification or catalog.
    [switch] $CopyOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:NO_COLOR = '1'
$inv = [cultureinfo]::InvariantCulture

if (-not $IsLinux) { throw 'This benchmark runs on Linux (it uses /usr/bin/time, /proc and Debian packages).' }

if ($CopyOnly) { $SkipRestore = $true; $SkipVerify = $true; $SkipLiveWriter = $true; $CatalogBackups = 0 }

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
    $needed = [ordered]@{ restic = 'restic'; borg = 'borgbackup'; sqlite3 = 'sqlite3'; zstd = 'zstd'; tar = 'tar'; '/usr/bin/time' = 'time' }
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
    [pscustomobject]@{ Name = 'borg'; Label = 'borg create --compression zstd,3'; Jamey = $false
        Init = { param($R) @('borg', 'init', '-e', 'none', (Join-Path $R 'repo')) }
        Command = { param($D, $R, $Phase) @('borg', 'create', '--compression', 'zstd,3', "$(Join-Path $R 'repo')::$Phase", $D) } }
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

if ($CopyOnly) { $backupTools = @($backupTools | Where-Object Name -eq 'jamey-zstd') }

# Start-up costs of a scheduled run, measured in the same rotation as the backups (not backups themselves).
$startupTools = @(
    [pscustomobject]@{ Name = 'pwsh-bare'; Label = 'dotnet pwsh start-up alone'; Jamey = $false
        Command = { param($R) @('dotnet', 'pwsh', '-NoProfile', '-NonInteractive', '-Command', 'exit 0') } }
    [pscustomobject]@{ Name = 'pwsh-firstcall'; Label = 'dotnet pwsh + Import-Module + first cmdlet (Get-JameyBackup -Newest 1)'; Jamey = $true
        Command = { param($R) $pwshStep + @('-Operation', 'FirstCall', '-BackupPath', $R) } }
)

# Each tool's full restore of its newest backup into an empty folder, flushed before the clock stops.
$restoreTools = @(
    [pscustomobject]@{ Name = 'jamey-restore'; Label = 'Restore-JameyBackup -Destination (verified, flushed)'; Jamey = $true
        Command = { param($Repos, $Data, $Target) $pwshStep + @('-Operation', 'Restore', '-BackupPath', $Repos['jamey-zstd'], '-Destination', $Target) } }
    [pscustomobject]@{ Name = 'restic-restore'; Label = 'restic restore latest + sync'; Jamey = $false
        Command = { param($Repos, $Data, $Target)
            @('bash', '-c', 'set -euo pipefail; restic -r "$1/repo" --cache-dir "$1/cache" restore latest -q --target "$2"; sync', 'bash', $Repos['restic'], $Target) } }
    [pscustomobject]@{ Name = 'borg-extract'; Label = 'borg extract + sync'; Jamey = $false
        Command = { param($Repos, $Data, $Target)
            @('bash', '-c', 'set -euo pipefail; mkdir -p "$2"; cd "$2"; borg extract "$1/repo::unchanged"; sync', 'bash', $Repos['borg'], $Target) } }
    [pscustomobject]@{ Name = 'cp-restore'; Label = 'cp -a + sync (floor)'; Jamey = $false
        Command = { param($Repos, $Data, $Target) @('bash', '-c', 'set -euo pipefail; cp -a "$1" "$2"; sync', 'bash', $Data, $Target) } }
)

$verifyTools = @(
    [pscustomobject]@{ Name = 'jamey-verify'; Label = 'Test-JameyBackup (default: restore + footers, readers, quick_check)'; Jamey = $true
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
    $liveRuns = @(if ($loaded.PSObject.Properties['live']) { $loaded.live })
    $catalog = if ($loaded.PSObject.Properties['catalog']) { $loaded.catalog } else { $null }
    $copyRuns = @(if ($loaded.PSObject.Properties['copies']) { $loaded.copies })
    $SizeMB = $meta.sizeMB; $Repetitions = $meta.repetitions; $Seed = $meta.seed; $WriteSeconds = $meta.writeSeconds
    $cacheMode = $meta.cache
}
else {
    $started = Get-Date
    New-Item -ItemType Directory -Force -Path $WorkPath | Out-Null
    $WorkPath = (Resolve-Path $WorkPath).ProviderPath
    $timeFile = Join-Path $WorkPath 'time.txt'
    $env:RESTIC_PASSWORD = 'x'
    $env:BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK = 'yes'
    $env:BORG_RELOCATED_REPO_ACCESS_IS_OK = 'yes'
    # borg's cache and keys go beside the runs, not into the repositories whose size is measured.
    $env:BORG_BASE_DIR = Join-Path $WorkPath 'borg-base'

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
        borg              = (Get-FirstLine { & borg --version })
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
    $liveRuns = [System.Collections.Generic.List[object]]::new()
    $catalog = $null

    <#
    Listing and retention planning over -Count backups: one real backup of a small data directory,
    cloned with hard links (as incremental backups share files) under earlier ids and times, then
    Get-JameyBackup and a retention plan (-WhatIf) timed inside a fresh pwsh.
    #>
    function Measure-Catalog([int] $Count) {
        $dir = Join-Path $WorkPath 'catalog'
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
        $data = Join-Path $dir 'data'
        $repo = Join-Path $dir 'repo'
        & dotnet $sample generate --path $data --size 16MB --seed $Seed | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "jamey3-sample generate failed ($LASTEXITCODE)." }
        $m = Invoke-Measured ($pwshStep + @('-Operation', 'Backup', '-DataPath', $data, '-BackupPath', $repo, '-Compression', 'Zstd'))
        $origin = Get-ChildItem (Join-Path $repo 'backups') -Directory | Select-Object -First 1
        $manifest = Get-Content (Join-Path $origin.FullName 'manifest.json') -Raw
        $created = [datetime]::ParseExact($origin.Name, 'yyyyMMdd-HHmmss-fff', $inv, 'AssumeUniversal,AdjustToUniversal')
        Write-Status "Cloning $($Count - 1) backups for the listing and retention phase ..."
        for ($i = 1; $i -lt $Count; $i++) {
            $t = $created.AddHours(-$i)
            $id = $t.ToString('yyyyMMdd-HHmmss-fff', $inv)
            $clone = Join-Path $repo "backups/$id"
            & cp -al $origin.FullName $clone
            if ($LASTEXITCODE -ne 0) { throw "cp -al failed for $id." }
            # The manifest is the one file a clone must not share: it names its own id and times.
            $stamp = $t.ToString('yyyy-MM-ddTHH:mm:ss.fff', $inv) + '+00:00'
            $text = $manifest.Replace($origin.Name, $id) -replace '("(?:createdAt|completedAt|CreatedAt|CompletedAt)"\s*:\s*")[^"]+"', "`${1}$stamp`""
            $path = Join-Path $clone 'manifest.json'
            Remove-Item $path
            [IO.File]::WriteAllText($path, $text)
        }
        $result = [ordered]@{ backups = $Count }
        foreach ($op in 'List', 'RetentionPlan') {
            Clear-PageCache
            $m = Invoke-Measured ($pwshStep + @('-Operation', $op, '-BackupPath', $repo, '-MaxBackups', '10'))
            $child = $m.Output | Where-Object { $_.StartsWith('{"operation"') } | Select-Object -Last 1 | ConvertFrom-Json
            $result["$($op.ToLowerInvariant())Seconds"] = $child.operationSeconds
            $result["$($op.ToLowerInvariant())PeakRssMB"] = [math]::Round($m.RssKB / 1024, 1)
            Write-Status ("  catalog {0,-13} {1:0.00} s in-process over {2} backups, rss {3:0} MB" -f $op, $child.operationSeconds, $Count, ($m.RssKB / 1024))
        }
        Remove-Item $dir -Recurse -Force
        [pscustomobject]$result
    }

    <# Runs the simulated Jamey for -Seconds, sampling the WAL's size; with -BackupRepository a Jamey3 backup runs meanwhile. #>
    function Measure-LiveWriter([string] $Data, [double] $Seconds, [int] $Seed, [string] $BackupRepository) {
        $statsFile = Join-Path $WorkPath 'writer-stats.txt'
        $writer = Start-Process dotnet -ArgumentList $sample, 'write', '--path', $Data, '--seed', $Seed, '--duration', $Seconds.ToString($inv), '--ignore-stdin' `
            -RedirectStandardOutput $statsFile -PassThru
        $wal = "$Data/jamey.db-wal"
        $walPeak = 0L
        $backupSeconds = $null
        $job = $null
        $deadline = [datetime]::UtcNow.AddSeconds(1)
        while (-not $writer.HasExited) {
            if ($BackupRepository -and -not $job -and [datetime]::UtcNow -ge $deadline) {
                $cmd = $pwshStep + @('-Operation', 'Backup', '-DataPath', $Data, '-BackupPath', $BackupRepository, '-Compression', 'Zstd')
                $job = Start-ThreadJob -ScriptBlock { param($c) $exe, $a = $c; $w = [Diagnostics.Stopwatch]::StartNew(); & $exe @a | Out-Null; [pscustomobject]@{ Code = $LASTEXITCODE; Seconds = $w.Elapsed.TotalSeconds } } -ArgumentList (, $cmd)
            }
            if (Test-Path $wal) { $walPeak = [math]::Max($walPeak, (Get-Item $wal).Length) }
            Start-Sleep -Milliseconds 100
        }
        if ($job) {
            $r = $job | Wait-Job | Receive-Job; Remove-Job $job
            if ($r.Code -ne 0) { throw "The backup during the live-writer phase exited with $($r.Code)." }
            $backupSeconds = [math]::Round($r.Seconds, 2)
            Remove-Item $BackupRepository -Recurse -Force
        }
        $stats = Get-Content $statsFile | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1 | ConvertFrom-Json
        [pscustomobject][ordered]@{
            withBackup    = [bool]$BackupRepository
            seconds       = $stats.elapsedSeconds
            rowsInserted  = $stats.rowsInserted
            commits       = $stats.commits
            busySkips     = $stats.dbBusySkips
            rowsPerSecond = [math]::Round($stats.rowsInserted / $stats.elapsedSeconds, 1)
            walPeakBytes  = $walPeak
            backupSeconds = $backupSeconds
        }
    }

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

    <#
    The copy phase: a local Azurite (tests/services, installed by build.ps1 -Task Setup), its development account
    through the environment (as a user's credential would come), one fresh prefix per repetition and mode. The first
    Jamey3 backup is copied, then the second (after the change): the second sends only what changed.
    #>
    $azurite = $null
    function Start-Azurite {
        $exe = Join-Path $root 'tests/services/node_modules/.bin/azurite-blob'
        if (-not (Test-Path $exe)) { throw "Azurite is missing ('$exe'): run build.ps1 -Task Setup, or pass -CopyModes @() to skip the copy phase." }
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($a in '--blobHost', '127.0.0.1', '--blobPort', "$port", '--location', (Join-Path $WorkPath 'azurite'), '--skipApiVersionCheck', '--silent') { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); break }
            catch { if ($p.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "Azurite did not start on 127.0.0.1:$port." }; Start-Sleep -Milliseconds 100 }
        }
        # The emulator's published development account (not a secret).
        $env:AZURE_STORAGE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
        $env:JAMEY3_AZURE_ENDPOINT = "http://127.0.0.1:$port/devstoreaccount1"
        $p
    }
    function Stop-Azurite {
        if (-not $azurite.HasExited) { $azurite.Kill($true); $azurite.WaitForExit(10000) | Out-Null }
        Remove-Item Env:AZURE_STORAGE_KEY, Env:JAMEY3_AZURE_ENDPOINT -ErrorAction Ignore
        Remove-Item (Join-Path $WorkPath 'azurite') -Recurse -Force -ErrorAction Ignore
    }
    # Extra Copy-JameyBackup arguments of a mode (an encrypted mode adds its recipient here).
    # An encrypted copy: the host holds the repository key file (created by the first copy to each destination) and
    # only the recipient's public key; the identity stays in the work folder, never given to the copy.
    function Get-CopyArguments([string] $Mode, [string] $Url) {
        switch ($Mode) {
            'encrypted' {
                $identity = Join-Path $WorkPath 'copy-identity.txt'
                if (-not (Test-Path $identity)) { & age-keygen -o $identity 2>$null; if ($LASTEXITCODE) { throw 'age-keygen failed' } }
                $recipient = (& age-keygen -y $identity).Trim()
                $keyFile = Join-Path $WorkPath ("copy-keys/" + ($Url -replace '[^A-Za-z0-9]', '_') + '.key')
                New-Item -ItemType Directory -Force -Path (Split-Path $keyFile) | Out-Null
                @('-KeyFile', $keyFile, '-Recipient', $recipient)
            }
            default { @() }
        }
    }
    $copyRuns = [System.Collections.Generic.List[object]]::new()
    function Measure-Copies([int] $Rep, [string] $Repository, [long] $SourceBytes) {
        if (-not $azurite) { $script:azurite = Start-Azurite }
        $ids = @(Get-ChildItem (Join-Path $Repository 'backups') -Directory | Sort-Object Name | Select-Object -First 2 -ExpandProperty Name)
        foreach ($mode in @(Get-Rotated $CopyModes ($Rep - 1))) {
            $url = "azure://devstoreaccount1/bench/run$Rep-$mode-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            $run = [ordered]@{ repetition = $Rep; mode = $mode }
            foreach ($which in 'first', 'second') {
                $id = $ids[$(if ($which -eq 'first') { 0 } else { 1 })]
                Clear-PageCache
                $m = Invoke-Measured ($pwshStep + @('-Operation', 'Copy', '-BackupPath', $Repository, '-BackupId', $id, '-Destination', $url) + (Get-CopyArguments $mode $url))
                $child = $m.Output | Where-Object { $_.StartsWith('{"operation"') } | Select-Object -Last 1 | ConvertFrom-Json
                $t = [pscustomobject]@{ Name = "copy-$mode"; Jamey = $true }
                Add-Sample $Rep "copy-$which" $t $m $SourceBytes $child.detail.bytesSent
                $run["$($which)BytesSent"] = $child.detail.bytesSent
                $run["$($which)Seconds"] = $child.operationSeconds
                $run["$($which)ObjectsSent"] = $child.detail.objectsSent
                $run["$($which)ObjectsPresent"] = $child.detail.objectsPresent
            }
            $run.secondShare = if ($run.firstBytesSent) { [math]::Round($run.secondBytesSent / $run.firstBytesSent, 4) } else { $null }
            $copyRuns.Add([pscustomobject]$run)
            Write-Status ("  copy    {0,-13} first {1:0.0} MB in {2:0.00} s, second {3:0.00} MB ({4:0.00}% of the first) in {5:0.00} s" -f $mode,
                ($run.firstBytesSent / 1MB), $run.firstSeconds, ($run.secondBytesSent / 1MB), (100 * $run.secondShare), $run.secondSeconds)
        }
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

        foreach ($phase in 'first', 'second', 'unchanged') {
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

        # Start-up of a scheduled run: a bare pwsh against pwsh + Import-Module + one cmdlet call.
        foreach ($t in @(if (-not $CopyOnly) { Get-Rotated $startupTools ($rep - 1) })) {
            Clear-PageCache
            $m = Invoke-Measured (& $t.Command $repos['jamey-zstd'])
            Add-Sample $rep 'start-up' $t $m 0 0
        }

        if (-not $SkipRestore) {
            foreach ($t in @(Get-Rotated $restoreTools ($rep - 1))) {
                $target = Join-Path $runDir "restore-$($t.Name)"
                Clear-PageCache
                $m = Invoke-Measured (& $t.Command $repos $data $target)
                Add-Sample $rep 'restore' $t $m (Get-TreeBytes $data) (Get-TreeBytes $target)
                Remove-Item $target -Recurse -Force
            }
        }

        if (-not $SkipLiveWriter) {
            # The simulated Jamey's commit rate and WAL size alone, then while a full Jamey3 backup runs.
            $firstWall = ($samples | Where-Object { $_.repetition -eq $rep -and $_.phase -eq 'first' -and $_.tool -eq 'jamey-zstd' }).wallSeconds
            $seconds = [math]::Max(10, [math]::Ceiling($firstWall) + 2)
            foreach ($withBackup in $false, $true) {
                Clear-PageCache
                $live = Measure-LiveWriter -Data $data -Seconds $seconds -Seed ($Seed + 100 + $rep) -BackupRepository $(if ($withBackup) { Join-Path $runDir 'repo-live' } else { $null })
                $live | Add-Member repetition $rep
                $liveRuns.Add($live)
                Write-Status ("  live    {0,-13} {1:0.0} rows/s, {2} busy skips, WAL peak {3:0.0} MB{4}" -f $(if ($withBackup) { 'with backup' } else { 'alone' }),
                    $live.rowsPerSecond, $live.busySkips, ($live.walPeakBytes / 1MB), $(if ($withBackup) { ", backup $($live.backupSeconds) s" } else { '' }))
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

        if ($CopyModes.Count -gt 0) { Measure-Copies -Rep $rep -Repository $repos['jamey-zstd'] -SourceBytes (Get-TreeBytes $data) }

        if (-not $KeepRuns) { Remove-Item $runDir -Recurse -Force }
        # The raw samples so far, in case a later repetition fails (re-render them with -FromResults).
        New-Item -ItemType Directory -Force -Path $ResultsPath | Out-Null
        [ordered]@{ meta = $meta; changes = $changes; live = $liveRuns; copies = $copyRuns; samples = $samples } | ConvertTo-Json -Depth 6 |
            Set-Content (Join-Path $ResultsPath "$($meta.date)-$($SizeMB)MB.json")
    }
    if ($CatalogBackups -gt 0) { $catalog = Measure-Catalog -Count $CatalogBackups }
    if ($azurite) { Stop-Azurite }

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
foreach ($t in $backupTools + $verifyTools + $restoreTools + $startupTools) { $labels[$t.Name] = $t.Label }

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

foreach ($phase in 'first', 'second', 'unchanged', 'verify', 'restore') {
    $tools = switch ($phase) { 'verify' { $verifyTools } 'restore' { $restoreTools } default { $backupTools | Where-Object Name -ne 'pwsh-startup' } }
    foreach ($t in $tools) {
        $of = @($samples | Where-Object { $_.phase -eq $phase -and $_.tool -eq $t.Name })
        if ($of.Count -eq 0) { continue }
        Add-Row $phase $t.Name "$($t.Label)$(if ($t.Jamey) { ' (fresh pwsh, wall)' })" ($of | ForEach-Object wallSeconds) $of
        if ($t.Jamey) { Add-Row $phase "$($t.Name)-inproc" "$($t.Label) (in-process)" ($of | ForEach-Object inProcessSeconds) $of }
    }
}
foreach ($phase in 'copy-first', 'copy-second') {
    foreach ($tool in @($samples | Where-Object phase -eq $phase | ForEach-Object tool | Select-Object -Unique)) {
        $of = @($samples | Where-Object { $_.phase -eq $phase -and $_.tool -eq $tool })
        $label = "Copy-JameyBackup to Azurite, $($tool -replace '^copy-')"
        Add-Row $phase $tool "$label (fresh pwsh, wall)" ($of | ForEach-Object wallSeconds) $of
        Add-Row $phase "$tool-inproc" "$label (in-process)" ($of | ForEach-Object inProcessSeconds) $of
    }
}
$startup = @($samples | Where-Object tool -eq 'pwsh-startup')
Add-Row 'start-up' 'pwsh-startup' $labels['pwsh-startup'] ($startup | ForEach-Object wallSeconds) $startup
foreach ($t in $startupTools) {
    $of = @($samples | Where-Object { $_.phase -eq 'start-up' -and $_.tool -eq $t.Name })
    if ($of.Count) { Add-Row 'start-up' $t.Name $t.Label ($of | ForEach-Object wallSeconds) $of }
}

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
            if ($y -and $null -ne $x) { $x / $y }
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
foreach ($phase in 'first', 'second', 'unchanged') {
    Add-Ratio $phase 'wall' 'jamey-zstd' 'inproc' 'borg' 'time: Jamey3 zstd, in-process / borg'
}
Add-Ratio 'restore' 'wall' 'jamey-restore' 'inproc' 'cp-restore' 'time: Restore-JameyBackup, in-process / cp -a + sync'
Add-Ratio 'restore' 'wall' 'jamey-restore' 'inproc' 'restic-restore' 'time: Restore-JameyBackup, in-process / restic restore'
Add-Ratio 'restore' 'wall' 'jamey-restore' 'inproc' 'borg-extract' 'time: Restore-JameyBackup, in-process / borg extract'

# Ratios between two phases of the same tool in one repetition (an incremental run against the full one).
function Add-PhaseRatio([string] $Tool, [string] $Metric, [string] $Phase, [string] $OfPhase, [string] $Description) {
    $values = foreach ($rep in 1..$Repetitions) {
        $a = Get-Sample $rep $Phase $Tool; $b = Get-Sample $rep $OfPhase $Tool
        if ($a -and $b) {
            $x = Get-Value $a $Metric; $y = Get-Value $b $Metric
            if ($y -and $null -ne $x) { $x / $y }
        }
    }
    if (@($values).Count -eq 0) { return }
    $ratios.Add([pscustomobject][ordered]@{ Phase = $Phase; Ratio = $Description; Median = [math]::Round((Get-Median $values), 3)
            PerRep = (@($values) | ForEach-Object { $_.ToString('0.000', $inv) }) -join ' ' })
}
Add-PhaseRatio 'jamey-zstd' 'inproc' 'second' 'first' 'time: Jamey3 second backup / its first (in-process)'
Add-PhaseRatio 'jamey-zstd' 'inproc' 'unchanged' 'first' 'time: Jamey3 backup of unchanged data / its first (in-process)'
function Get-Added($Rep, $Tool, $Phase, $Before) {
    $a = Get-Sample $Rep $Phase $Tool; $b = Get-Sample $Rep $Before $Tool
    if ($a -and $b) { $a.repositoryBytes - $b.repositoryBytes }
}
$addedRatio = foreach ($rep in 1..$Repetitions) {
    $j = Get-Added $rep 'jamey-zstd' 'second' 'first'; $r = Get-Added $rep 'restic' 'second' 'first'
    if ($r) { $j / $r }
}
if (@($addedRatio).Count) {
    $ratios.Add([pscustomobject][ordered]@{ Phase = 'second'; Ratio = 'bytes added by the second backup: Jamey3 / restic'; Median = [math]::Round((Get-Median $addedRatio), 2)
            PerRep = (@($addedRatio) | ForEach-Object { $_.ToString('0.00', $inv) }) -join ' ' })
}
$unchangedBytes = foreach ($rep in 1..$Repetitions) {
    $u = Get-Added $rep 'jamey-zstd' 'unchanged' 'second'; $f = (Get-Sample $rep 'first' 'jamey-zstd')
    if ($f -and $f.repositoryBytes) { $u / $f.repositoryBytes }
}
if (@($unchangedBytes).Count) {
    $ratios.Add([pscustomobject][ordered]@{ Phase = 'unchanged'; Ratio = 'bytes added by a backup of unchanged data / the first backup''s'; Median = [math]::Round((Get-Median $unchangedBytes), 4)
            PerRep = (@($unchangedBytes) | ForEach-Object { $_.ToString('0.0000', $inv) }) -join ' ' })
}
$startupExtra = foreach ($rep in 1..$Repetitions) {
    $a = Get-Sample $rep 'start-up' 'pwsh-firstcall'; $b = Get-Sample $rep 'start-up' 'pwsh-bare'
    if ($a -and $b) { $a.wallSeconds - $b.wallSeconds }
}
if (@($startupExtra).Count) {
    $ratios.Add([pscustomobject][ordered]@{ Phase = 'start-up'; Ratio = 'seconds: (pwsh + Import-Module + first cmdlet) - bare pwsh'; Median = [math]::Round((Get-Median $startupExtra), 2)
            PerRep = (@($startupExtra) | ForEach-Object { $_.ToString('0.00', $inv) }) -join ' ' })
}
foreach ($withBackup in $false, $true) {
    $l = @($liveRuns | Where-Object withBackup -eq $withBackup)
    if ($l.Count) {
        $rows.Add([pscustomobject][ordered]@{ Phase = 'live'; Tool = "writer-$(if ($withBackup) { 'with-backup' } else { 'alone' })"
                What = "simulated Jamey $(if ($withBackup) { 'while a Jamey3 backup runs' } else { 'alone' }): rows/s, WAL peak MB"
                MedianS = [math]::Round((Get-Median ($l | ForEach-Object rowsPerSecond)), 1); MinS = $null; MaxS = $null; MBps = $null; CpuS = $null
                PeakRssMB = $null; StoredMB = [math]::Round((($l | ForEach-Object walPeakBytes) | Measure-Object -Maximum).Maximum / 1MB, 1); AddedMB = $null })
    }
}
$liveRatio = foreach ($rep in 1..$Repetitions) {
    $a = $liveRuns | Where-Object { $_.repetition -eq $rep -and $_.withBackup } | Select-Object -First 1
    $b = $liveRuns | Where-Object { $_.repetition -eq $rep -and -not $_.withBackup } | Select-Object -First 1
    if ($a -and $b -and $b.rowsPerSecond) { $a.rowsPerSecond / $b.rowsPerSecond }
}
if (@($liveRatio).Count) {
    $ratios.Add([pscustomobject][ordered]@{ Phase = 'live'; Ratio = 'simulated Jamey''s insert rate: during a backup / alone'; Median = [math]::Round((Get-Median $liveRatio), 2)
            PerRep = (@($liveRatio) | ForEach-Object { $_.ToString('0.00', $inv) }) -join ' ' })
}

Write-Host ''
$rows | Format-Table Phase, What, MedianS, MinS, MaxS, MBps, CpuS, PeakRssMB, StoredMB, AddedMB -AutoSize | Out-String -Width 250 | Write-Host
$ratios | Format-Table Phase, Ratio, Median, PerRep -AutoSize | Out-String -Width 250 | Write-Host

# The performance targets, each against the figure of this run: met, missed, or not measured.
function Get-RatioMedian([string] $Phase, [string] $Description) {
    # Null when the run did not measure it (-CopyOnly has no peers).
    $r = $ratios | Where-Object { $_.Phase -eq $Phase -and $_.Ratio -eq $Description } | Select-Object -First 1
    if ($r) { $r.Median }
}
$targets = [System.Collections.Generic.List[object]]::new()
function Add-Target([string] $What, [string] $Limit, $Measured, [scriptblock] $Met) {
    $targets.Add([pscustomobject][ordered]@{ Target = $What; Limit = $Limit; Measured = $Measured
            Status = if ($null -eq $Measured) { 'not measured' } elseif (& $Met $Measured) { 'met' } else { 'missed' } })
}
$jameyRss = ($samples | Where-Object { $_.tool -like 'jamey-*' } | ForEach-Object peakRssMB | Measure-Object -Maximum).Maximum
$liveAlone = @($liveRuns | Where-Object { -not $_.withBackup } | ForEach-Object walPeakBytes | Measure-Object -Maximum).Maximum
$liveWith = @($liveRuns | Where-Object withBackup | ForEach-Object walPeakBytes | Measure-Object -Maximum).Maximum
Add-Target 'first backup (zstd): time / restic' '≤ 0.5' (Get-RatioMedian 'first' 'time: Jamey3 zstd, in-process / restic') { $args[0] -le 0.5 }
Add-Target 'first backup (zstd): repository size / restic' '≤ 1' (Get-RatioMedian 'first' 'repository size: Jamey3 zstd / restic') { $args[0] -le 1 }
Add-Target 'first backup (uncompressed): time / cp -a + fsync' '≤ 1.25 (throughput ≥ 0.8×)' (Get-RatioMedian 'first' 'time: Jamey3 -Compression None, in-process / cp -a') { $args[0] -le 1.25 }
Add-Target 'second backup: time / own first backup' '≤ 0.05' (Get-RatioMedian 'second' 'time: Jamey3 second backup / its first (in-process)') { $args[0] -le 0.05 }
Add-Target 'second backup: time / restic second backup' '≤ 1' (Get-RatioMedian 'second' 'time: Jamey3 zstd, in-process / restic') { $args[0] -le 1 }
Add-Target 'second backup: bytes added / restic' '≤ 1.2' (Get-RatioMedian 'second' 'bytes added by the second backup: Jamey3 / restic') { $args[0] -le 1.2 }
Add-Target 'unchanged data: time / first backup' '≤ 0.03' (Get-RatioMedian 'unchanged' 'time: Jamey3 backup of unchanged data / its first (in-process)') { $args[0] -le 0.03 }
Add-Target 'unchanged data: bytes added / first backup' '≤ 0.001' (Get-RatioMedian 'unchanged' 'bytes added by a backup of unchanged data / the first backup''s') { $args[0] -le 0.001 }
Add-Target 'full restore: time / cp -a + sync' '≤ 1.25 (throughput ≥ 0.8×)' (Get-RatioMedian 'restore' 'time: Restore-JameyBackup, in-process / cp -a + sync') { $args[0] -le 1.25 }
Add-Target 'full restore: time / restic restore' '≤ 0.5' (Get-RatioMedian 'restore' 'time: Restore-JameyBackup, in-process / restic restore') { $args[0] -le 0.5 }
Add-Target 'Test-JameyBackup (default): time / restic check --read-data' '≤ 1' (Get-RatioMedian 'verify' 'time: Test-JameyBackup full, in-process / restic check --read-data') { $args[0] -le 1 }
Add-Target 'peak RSS of any Jamey3 pwsh process, MB' '≤ 128' $jameyRss { $args[0] -le 128 }
Add-Target 'scheduled-run overhead over a bare pwsh, s' '≤ 0.3' (Get-RatioMedian 'start-up' 'seconds: (pwsh + Import-Module + first cmdlet) - bare pwsh') { $args[0] -le 0.3 }
Add-Target "Get-JameyBackup over $(if ($catalog) { $catalog.backups } else { 1000 }) backups, s" '≤ 1' $(if ($catalog) { $catalog.listSeconds }) { $args[0] -le 1 }
Add-Target "retention planning over $(if ($catalog) { $catalog.backups } else { 1000 }) backups, s" '≤ 5' $(if ($catalog) { $catalog.retentionplanSeconds }) { $args[0] -le 5 }
Add-Target 'live writer: insert rate during a backup / alone' '≥ 0.9' (Get-RatioMedian 'live' 'simulated Jamey''s insert rate: during a backup / alone') { $args[0] -ge 0.9 }
Add-Target 'live writer: WAL peak during a backup / alone' '≤ 1 (no growth)' $(if ($liveAlone) { [math]::Round($liveWith / $liveAlone, 2) }) { $args[0] -le 1 }
$plainCopies = @($copyRuns | Where-Object mode -eq 'plain')
Add-Target 'second copy after a small change: bytes sent / first copy''s' '≤ 0.02' $(if ($plainCopies.Count) { Get-Median ($plainCopies | ForEach-Object secondShare) }) { $args[0] -le 0.02 }
$encryptedCopies = @($copyRuns | Where-Object mode -eq 'encrypted')
Add-Target 'encrypted second copy (public key only): bytes sent / first copy''s' '≤ 0.02' $(if ($encryptedCopies.Count) { Get-Median ($encryptedCopies | ForEach-Object secondShare) }) { $args[0] -le 0.02 }
$targets | Format-Table -AutoSize | Out-String -Width 250 | Write-Host

#endregion

#region results files

New-Item -ItemType Directory -Force -Path $ResultsPath | Out-Null
$base = Join-Path $ResultsPath "$($meta.date)-$($SizeMB)MB"
[ordered]@{ meta = $meta; rows = $rows; ratios = $ratios; targets = $targets; changes = $changes; live = $liveRuns; catalog = $catalog; copies = $copyRuns; samples = $samples } |
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
[void]$md.AppendLine("- Peers: restic $((($meta.restic -split ' ')[1])) (fresh repository per repetition, default compression), sqlite3 $($meta.sqlite3), borg $((($meta.borg -split " ")[-1])) (unencrypted, zstd 3), zstd $([regex]::Match($meta.zstd, 'v[\d.]+').Value), pwsh $($meta.pwsh).")
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
[void]$md.AppendLine('Targets (the performance issue''s, against this run''s figures):')
[void]$md.AppendLine()
[void]$md.AppendLine('| target | limit | measured | status |')
[void]$md.AppendLine('|---|---|---:|---|')
foreach ($t in $targets) { [void]$md.AppendLine("| $($t.Target) | $($t.Limit) | $(Format-Cell $t.Measured) | $($t.Status) |") }
[void]$md.AppendLine()
if ($copyRuns.Count -gt 0) {
    [void]$md.AppendLine('Off-site copy (Copy-JameyBackup to a local Azurite, in-process time; median over repetitions; the second copy is of the backup taken after the change):')
    [void]$md.AppendLine()
    [void]$md.AppendLine('| mode | first: MB sent | first s | first MB/s | second: MB sent | second s | second / first bytes (per repetition) |')
    [void]$md.AppendLine('|---|---:|---:|---:|---:|---:|---|')
    foreach ($mode in @($copyRuns | ForEach-Object mode | Select-Object -Unique)) {
        $of = @($copyRuns | Where-Object mode -eq $mode)
        $fb = Get-Median ($of | ForEach-Object firstBytesSent); $fs = Get-Median ($of | ForEach-Object firstSeconds)
        $sb = Get-Median ($of | ForEach-Object secondBytesSent); $ss = Get-Median ($of | ForEach-Object secondSeconds)
        $shares = ($of | ForEach-Object { '{0:0.####}' -f $_.secondShare }) -join ', '
        [void]$md.AppendLine("| $mode | $(Format-Cell ([math]::Round($fb / $MB, 2))) | $(Format-Cell ([math]::Round($fs, 2))) | $(Format-Cell $(if ($fs -gt 0) { [math]::Round($fb / $MB / $fs, 1) })) | $(Format-Cell ([math]::Round($sb / $MB, 3))) | $(Format-Cell ([math]::Round($ss, 2))) | $shares |")
    }
    [void]$md.AppendLine()
}
[void]$md.AppendLine('What the peers do not do, so read them as throughput references, not equivalents:')
[void]$md.AppendLine()
[void]$md.AppendLine('- borg (`-e none`, zstd level 3) reads the live files as they are too, deduplicates by content-defined chunks, and here stores unencrypted.')
[void]$md.AppendLine('- restic reads the live files as they are: no consistent SQLite snapshot and no pinned Lucene commit (under a writer it can store a torn database or index). It deduplicates by content-defined chunks and encrypts.')
[void]$md.AppendLine('- The baseline takes a consistent database copy (`.backup`) but tars the index folders as they are, stores no per-file hashes and has no incremental mode (the second backup is a full one).')
[void]$md.AppendLine('- `cp -a` + fsync is the floor the disk allows for a full, uncompressed, unverified copy.')
[void]$md.AppendLine('- `Test-JameyBackup` (default) restores the newest backup to a temporary folder, checks every content hash and Lucene footer, opens every index and runs `quick_check` with the row counts (`-Deep` adds `integrity_check` and CheckIndex, not timed here); `-Quick` re-hashes the stored bytes. `restic check --read-data` reads and decrypts every pack of the repository (both snapshots) and checks its hashes; it does not open the database or the indices.')
Set-Content "$base.md" $md.ToString()
Write-Status "Results written to $base.md and $base.json"

#endregion
