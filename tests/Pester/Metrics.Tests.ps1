# End to end: a real Prometheus (Debian's package) on loopback scrapes Start-JameyMetrics over a
# real repository and evaluates the real rules in rules/*.yml.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'metrics'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    New-Item -ItemType Directory $repo | Out-Null

    $exporterPort = Get-FreePort
    $endpoint = Start-JameyMetrics -BackupPath $repo -Port $exporterPort
    $prometheus = Start-TestPrometheus -Root $root -Jobs ([ordered]@{ 'jamey3-backup' = $exporterPort })
    $promUrl = $prometheus.Url

    function Get-PromValue([string] $query) {
        $r = Invoke-RestMethod "$promUrl/api/v1/query?query=$([uri]::EscapeDataString($query))"
        if ($r.data.result.Count -eq 0) { return $null }
        [double]$r.data.result[0].value[1]
    }
    function Wait-Until([scriptblock] $condition, [int] $seconds = 45) {
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
    Stop-JameyMetrics -ErrorAction Ignore | Out-Null
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Start-JameyMetrics scraped by a real Prometheus' {
    It 'serves only Jamey3 metrics on 127.0.0.1, and the text passes promtool check metrics' {
        $endpoint.Host | Should -Be '127.0.0.1'
        $endpoint.Port | Should -Be $exporterPort
        $text = (Invoke-WebRequest $endpoint.Url).Content
        $names = $text -split "`n" | Where-Object { $_ -and -not $_.StartsWith('#') } | ForEach-Object { ($_ -split '[ {]')[0] }
        $names | ForEach-Object { $_ | Should -BeLike 'jamey_backup_*' }
        $text | promtool check metrics 2>&1 | Out-String | Should -Not -Match 'error'
        $LASTEXITCODE | Should -Be 0
    }

    It 'refuses a port already in use with MetricsPortInUse' {
        $err = { Start-JameyMetrics -BackupPath $repo -Port $exporterPort -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MetricsPortInUse,*'
        $err.Exception.Message | Should -BeLike "*$exporterPort*"
    }

    It 'shows a backup made by another process as the manifest''s time' {
        (Wait-Until { (Get-PromValue 'up{job="jamey3-backup"}') -eq 1 }) | Should -BeTrue -Because 'Prometheus must be scraping the exporter'
        $out = Invoke-ChildPwsh -Script "(New-JameyBackup -DataPath '$data' -BackupPath '$repo').Path"
        $LASTEXITCODE | Should -Be 0
        $manifest = Get-Content (Join-Path @($out)[-1] 'manifest.json') -Raw | ConvertFrom-Json -DateKind String
        $expected = [DateTimeOffset]::Parse($manifest.completedAt, [cultureinfo]::InvariantCulture).ToUnixTimeMilliseconds() / 1000.0
        (Wait-Until { (Get-PromValue 'jamey_backup_last_success_timestamp_seconds') -eq $expected }) | Should -BeTrue
        Get-PromValue 'jamey_backup_last_run_success' | Should -Be 1
        Get-PromValue 'jamey_backup_retained' | Should -Be 1
    }

    It 'does not count a mistyped data path as a failed backup' {
        $out = Invoke-ChildPwsh -Script "New-JameyBackup -DataPath '$root/no-such-data' -BackupPath '$repo'"
        $LASTEXITCODE | Should -Not -Be 0
        # Read the exporter itself: it reads the repository at every scrape, so no waiting for Prometheus.
        (Invoke-WebRequest $endpoint.Url).Content | Should -Match '(?m)^jamey_backup_last_run_success 1$'
    }

    It 'puts the failure alert in pending after a failed backup' {
        # A run that tried and failed: an index with no commit cannot be backed up.
        $broken = Join-Path $root 'broken'
        Copy-Item $data $broken -Recurse
        Get-ChildItem (Join-Path $broken 'memory/working') -Filter 'segments*' | Remove-Item
        $out = Invoke-ChildPwsh -Script "New-JameyBackup -DataPath '$broken' -BackupPath '$repo'"
        $LASTEXITCODE | Should -Not -Be 0
        (Wait-Until { (Get-PromValue 'jamey_backup_last_run_success') -eq 0 }) | Should -BeTrue
        (Wait-Until {
            $alerts = (Invoke-RestMethod "$promUrl/api/v1/alerts").data.alerts
            @($alerts | Where-Object { $_.labels.alertname -eq 'JameyBackupFailed' -and $_.state -in 'pending', 'firing' }).Count -gt 0
        }) | Should -BeTrue
    }

    It 'reports jamey_backup_up 0 when the repository cannot be read' {
        $history = Join-Path $repo 'state/history.json'
        Remove-Item $history -Force
        New-Item -ItemType Directory $history | Out-Null   # a folder where the history should be: unreadable
        (Wait-Until { (Get-PromValue 'jamey_backup_up') -eq 0 }) | Should -BeTrue
        Remove-Item $history -Force
    }

    It 'stops an endpoint piped from Start-JameyMetrics, and -Wait serves until stopped' {
        $port = Get-FreePort
        $e = Start-JameyMetrics -BackupPath $repo -Port $port
        (Invoke-WebRequest $e.Url).StatusCode | Should -Be 200
        ($e | Stop-JameyMetrics).Port | Should -Be $port
        { Invoke-WebRequest $e.Url -TimeoutSec 5 } | Should -Throw

        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-JameyModulePath)).AddStatement()
        $null = $ps.AddCommand('Start-JameyMetrics').AddParameter('BackupPath', $repo).AddParameter('Port', $port).AddParameter('Wait')
        $async = $ps.BeginInvoke()
        (Wait-Until { try { (Invoke-WebRequest "http://127.0.0.1:$port/metrics" -TimeoutSec 2).StatusCode -eq 200 } catch { $false } } 30) | Should -BeTrue
        $ps.Stop()   # what Ctrl+C does
        $ps.InvocationStateInfo.State | Should -Be Stopped
        { Invoke-WebRequest "http://127.0.0.1:$port/metrics" -TimeoutSec 5 } | Should -Throw
        $ps.Dispose()
    }

    It 'writes the same metrics for the textfile collector, atomically' {
        $file = Join-Path $root 'textfile/jamey3.prom'
        New-Item -ItemType Directory (Split-Path $file) -Force | Out-Null
        $written = Export-JameyMetrics -BackupPath $repo -Path $file -PassThru
        $written.FullName | Should -Be $file
        $text = Get-Content $file -Raw
        $text | Should -Match '(?m)^jamey_backup_up 1$'
        $text | Should -Match '(?m)^jamey_backup_retained 1$'
        @(Get-ChildItem (Split-Path $file) -Force).Count | Should -Be 1
        $text | promtool check metrics 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }
}
