# End to end: every query of every dashboard in deploy/grafana/dashboards/ runs against a real
# Prometheus (Debian's package) that evaluates the generated rules in rules/*.yml, after a backup,
# a verification and a failed backup have been recorded, and must return series.
#
# The Jamey 3.0 backend is stood in for by a static /metrics file (python3's http.server) and 31
# hours of its history, with the series recorded from it by rules/system.yml, backfilled with
# `promtool tsdb create-blocks-from openmetrics` before Prometheus starts, so that the anomaly
# baselines (a day ending 6 hours ago) have data, as on a Prometheus that has run for a day.
BeforeDiscovery {
    # One test per panel query.
    $targets = foreach ($file in Get-ChildItem (Join-Path $PSScriptRoot '../../deploy/grafana/dashboards') -Filter *.json) {
        $dashboard = Get-Content $file -Raw | ConvertFrom-Json
        foreach ($panel in $dashboard.panels) {
            foreach ($t in @($panel.PSObject.Properties['targets'] ? $panel.targets : @())) {
                @{ Dashboard = $file.Name; Panel = $panel.title; Expr = $t.expr }
            }
        }
    }
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'dashboards'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    New-Item -ItemType Directory $repo | Out-Null
    $inv = [cultureinfo]::InvariantCulture

    $exporterPort = Get-FreePort
    $null = Start-JameyMetrics -BackupPath $repo -Port $exporterPort

    # The backend's metrics, now (served) and for the last 31 hours (backfilled), one series set.
    $backendPort = Get-FreePort
    $web = Join-Path $root 'backend'
    New-Item -ItemType Directory $web | Out-Null
    $script:labels = "job=`"jamey-3-backend`",instance=`"127.0.0.1:$backendPort`""
    # The backfilled samples carry the job and instance labels Prometheus gives the scraped ones.
    function Get-BackendText([int] $i, [bool] $openMetrics, [long] $ts) {
        $t = if ($openMetrics) { " $ts" } else { '' }
        $labels = if ($openMetrics) { $script:labels } else { '' }
        $requests = 3000 * $i
        $lines = @(
            '# TYPE consciousness_phi_value gauge', "consciousness_phi_value{$labels} $((0.8 + 0.01 * [Math]::Sin($i)).ToString($inv))$t",
            '# TYPE emotion_stability gauge', "emotion_stability{$labels} $((0.7 + 0.01 * [Math]::Cos($i)).ToString($inv))$t",
            '# TYPE http_requests counter', "http_requests_total{$labels,status=`"200`"} $($requests - 15 * $i)$t", "http_requests_total{$labels,status=`"500`"} $(15 * $i + ($i % 3))$t",
            '# TYPE http_request_duration_seconds histogram'
        )
        foreach ($le in '0.1', '0.25', '0.5', '1', '2.5', '+Inf') {
            $n = if ($le -eq '0.1') { 2000 * $i } else { $requests }
            $lines += "http_request_duration_seconds_bucket{$labels,le=`"$le`"} $n$t"
        }
        $lines += "http_request_duration_seconds_sum{$labels} $(300 * $i)$t", "http_request_duration_seconds_count{$labels} $requests$t"
        $lines += '# TYPE database_connection_errors counter', "database_connection_errors_total{$labels} 0$t"
        if ($openMetrics) {
            # What the recording rules in rules/system.yml would have written over those hours: the
            # anomaly rules on the error ratio and the latency read these recorded series.
            $lines += '# TYPE job:http_requests_5xx:ratio_rate5m gauge', "job:http_requests_5xx:ratio_rate5m{job=`"jamey-3-backend`"} $((0.005 + 0.0003 * ($i % 3)).ToString($inv))$t"
            $lines += '# TYPE job:http_request_duration_seconds:p95_rate5m gauge', "job:http_request_duration_seconds:p95_rate5m{job=`"jamey-3-backend`"} $((0.2 + 0.01 * ($i % 2)).ToString($inv))$t"
        }
        ($lines -join "`n").Replace('{,', '{').Replace('{}', '')
    }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $steps = 31 * 12
    $history = [Text.StringBuilder]::new()
    # OpenMetrics wants each metric family's samples together, in time order.
    $families = @{}
    foreach ($k in 0..($steps - 1)) {
        $text = Get-BackendText $k $true ($now - 300 * ($steps - $k))
        $family = $null
        foreach ($line in $text -split "`n") {
            if ($line.StartsWith('# TYPE')) { $family = $line; if (-not $families.ContainsKey($family)) { $families[$family] = [Collections.Generic.List[string]]::new() }; continue }
            $families[$family].Add($line)
        }
    }
    foreach ($family in $families.Keys) {
        [void]$history.AppendLine($family)
        # Samples of one family: each series' samples in time order.
        $byName = $families[$family] | Group-Object { ($_ -split ' ')[0] }
        foreach ($g in $byName) { foreach ($l in $g.Group) { [void]$history.AppendLine($l) } }
    }
    [void]$history.AppendLine('# EOF')
    $omFile = Join-Path $root 'history.om'
    [IO.File]::WriteAllText($omFile, $history.ToString())
    $tsdb = Join-Path $root 'tsdb'
    $out = & promtool tsdb create-blocks-from openmetrics $omFile $tsdb 2>&1
    if ($LASTEXITCODE -ne 0) { throw "backfill failed: $out" }
    [IO.File]::WriteAllText((Join-Path $web 'metrics'), (Get-BackendText $steps $false 0) + "`n")
    $backend = Start-Process python3 -PassThru -ArgumentList @('-m', 'http.server', '--bind', '127.0.0.1', '--directory', $web, "$backendPort") `
        -RedirectStandardError (Join-Path $root 'backend.log') -RedirectStandardOutput (Join-Path $root 'backend.out')

    $prometheus = Start-TestPrometheus -Root $root -TsdbPath $tsdb -Jobs ([ordered]@{ 'jamey3-backup' = $exporterPort; 'jamey-3-backend' = $backendPort })
    $promUrl = $prometheus.Url
    function Get-Series([string] $query) {
        @((Invoke-RestMethod "$promUrl/api/v1/query?query=$([uri]::EscapeDataString($query))").data.result)
    }
    function Wait-Until([scriptblock] $condition, [int] $seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $condition) { return $true }
            Start-Sleep -Milliseconds 500
        }
        $false
    }
}
AfterAll {
    Stop-TestPrometheus $prometheus
    if ($backend -and -not $backend.HasExited) { $backend.Kill(); $backend.WaitForExit() }
    Stop-JameyMetrics -ErrorAction Ignore | Out-Null
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Dashboards against a real Prometheus' -Tag 'Dashboards' {
    It 'records a backup, a verification and a failed backup' {
        (Wait-Until { @(Get-Series 'up{job="jamey3-backup"} == 1').Count -eq 1 -and @(Get-Series 'up{job="jamey-3-backend"} == 1').Count -eq 1 }) |
            Should -BeTrue -Because 'Prometheus must scrape the exporter and the stand-in backend'
        $null = Invoke-ChildPwsh -Script "New-JameyBackup -DataPath '$data' -BackupPath '$repo' | Test-JameyBackup | Out-Null"
        $LASTEXITCODE | Should -Be 0
        # A run that tried and failed (a mistyped path is no failure): an index with no commit cannot be backed up.
        $broken = Join-Path $root 'broken'
        Copy-Item $data $broken -Recurse
        Get-ChildItem (Join-Path $broken 'memory/working') -Filter 'segments*' | Remove-Item
        $null = Invoke-ChildPwsh -Script "New-JameyBackup -DataPath '$broken' -BackupPath '$repo'"
        $LASTEXITCODE | Should -Not -Be 0
        # An off-site copy's status as Copy-JameyBackup records it (state/copies/<first 16 hex of SHA-256(destination)>.json).
        $destination = 's3://jamey-offsite/dashboards'
        $copies = Join-Path $repo 'state/copies'
        New-Item -ItemType Directory $copies -Force | Out-Null
        $name = [Convert]::ToHexStringLower([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($destination))).Substring(0, 16)
        $at = [DateTimeOffset]::UtcNow.ToString('o', $inv)
        @{ destination = $destination; lastAttemptAt = $at; lastOutcome = 'Succeeded'; lastSuccessAt = $at; backupIdsAtDestination = @(); bytesSentLastRun = 1024 } |
            ConvertTo-Json | Set-Content (Join-Path $copies "$name.json")
        (Wait-Until { @(Get-Series 'jamey_backup_last_run_success == 0 and jamey_backup_last_verify_success == 1 and jamey_backup_retained == 1').Count -eq 1 }) |
            Should -BeTrue -Because 'the exporter must show the verified backup and the failed run'
        (Wait-Until { @(Get-Series 'jamey_backup_copy_last_run_success == 1 and jamey_backup_copy_behind_backups == 1').Count -eq 1 }) |
            Should -BeTrue -Because 'the exporter must show the recorded copy, which lacks the one backup'
        # The rules have evaluated over the backfilled history.
        (Wait-Until { @(Get-Series 'instance:consciousness_phi_value:avg1d_offset6h').Count -gt 0 -and @(Get-Series 'instance:jamey_backup_last_success_timestamp_seconds:age').Count -gt 0 }) |
            Should -BeTrue
    }

    It 'has queries in its panels' -ForEach @(@{ Count = $targets.Count }) {
        $Count | Should -BeGreaterThan 20
    }

    It '<Dashboard> "<Panel>": <Expr> returns series' -ForEach $targets {
        $result = Get-Series $Expr
        $result.Count | Should -BeGreaterThan 0 -Because "the panel '$Panel' would be empty"
    }
}
