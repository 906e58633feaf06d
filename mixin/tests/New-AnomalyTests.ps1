#Requires -Version 7.0
<#
.SYNOPSIS
    The promtool unit tests of the anomaly alerts (tests/rules/anomaly*.test.yml), as documents
    by file name for Build-Mixin.ps1 to write. Their inputs are days of noisy samples, too long to write by
    hand, and too slow to compute in jsonnet 0.18.
.DESCRIPTION
    For every signal in the configuration's anomalySignals: a step change and a slow drift fire,
    each at a level the static thresholds do not reach; a noisy but normal series (daily cycle,
    noise, a single-sample spike every 7 hours), a steady one and a brand-new one (a step after 14
    hours of history) neither fire nor go pending over their whole length. Deterministic: the
    noise comes from a fixed Park-Miller generator.
#>
param([Parameter(Mandatory)] [System.Collections.IDictionary] $Config,
      # Expanded annotations of the firing cases, by test name (anomaly.expected.json).
      [System.Collections.IDictionary] $Expected = @{})

Set-StrictMode -Version Latest
# Gauges are sampled and evaluated every 10 minutes, with only rules/anomaly.yml loaded; the
# counters and histograms that rate(...[5m]) reads need 5 minutes and rules/system.yml: fewer
# evaluations of fewer rules keep the tests fast.
function Get-Step($shape) { if ($shape.Kind -eq 'gauge') { 600 } else { 300 } }
$inv = [cultureinfo]::InvariantCulture

# Seeded System.Random: its sequence for a given seed is fixed across .NET versions and platforms.
# Three uniforms summed: mean 0, standard deviation 1.
function New-Noise([int] $seed, [int] $count) {
    $random = [Random]::new($seed)
    [double[]]@(foreach ($i in 0..$count) { ($random.NextDouble() + $random.NextDouble() + $random.NextDouble() - 1.5) * 2 })
}

$backend = $Config.backendJob
$instance = 'backend:8080'
$shapes = [ordered]@{
    ConsciousnessPhiAnomalous = @{ Base = 0.8; Spread = 0.01; Cycle = 0.03; Step = -0.12; Drift = -0.025; Sign = -1; Kind = 'gauge'; Metric = 'consciousness_phi_value'; Level = 'instance' }
    EmotionStabilityAnomalous = @{ Base = 0.7; Spread = 0.015; Cycle = 0.04; Step = -0.15; Drift = -0.03; Sign = -1; Kind = 'gauge'; Metric = 'emotion_stability'; Level = 'instance' }
    JameyErrorRatioAnomalous  = @{ Base = 0.005; Spread = 0.001; Cycle = 0.002; Step = 0.015; Drift = 0.003; Sign = 1; Kind = 'ratio'; Level = 'job' }
    JameyLatencyAnomalous     = @{ Base = 0.18; Spread = 0.008; Cycle = 0.015; Step = 0.2; Drift = 0.03; Sign = 1; Kind = 'latency'; Level = 'job' }
}

# The signal's value at every sample of a scenario. Changes start at hour $At.
function Get-Values($shape, [string] $scenario, [int] $n, [int] $at) {
    $b = $shape.Base; $d = $shape.Spread
    $perHour = 3600 / (Get-Step $shape)
    $noise = New-Noise ($scenario.Length * 7 + [int]($b * 1000)) $n
    $start = $at * $perHour
    foreach ($i in 0..$n) {
        switch ($scenario) {
            'step' { $b + $d * $noise[$i] + $(if ($i -ge $start) { $shape.Step } else { 0 }) }
            'drift' { $b + $d * $noise[$i] + $(if ($i -ge $start) { $shape.Drift * ($i - $start) / $perHour } else { 0 }) }
            'noisy' {
                $b + $d * $noise[$i] + $shape.Cycle * [Math]::Sin(2 * [Math]::PI * $i / (24 * $perHour)) +
                $(if ($i % (7 * $perHour) -eq 3) { 6 * $d * $shape.Sign } else { 0 })
            }
            'steady' { $b }
            # Less noise, so that the step stands out even more against the short history.
            'new' { $b + $d / 4 * $noise[$i] + $(if ($i -ge $start) { $shape.Step } else { 0 }) }
        }
    }
}

function Join-Cumulative([double[]] $increments) {
    $total = 0.0
    (@(foreach ($x in $increments) { $total += $x; $total.ToString('0', $inv) }) -join ' ')
}

# Requests at or below each bound out of 3000 when histogram_quantile(0.95) is to give q: c of them
# in the first bucket, the rest in q's bucket (lo, hi], so the 95th percentile interpolates to q.
$bounds = 0.1, 0.25, 0.5, 1, 2.5
function Get-Buckets([double] $q) {
    $hi = @($bounds | Where-Object { $_ -ge $q })[0]
    $lo = @(@(0.1) + @($bounds | Where-Object { $_ -lt $q }) | Measure-Object -Maximum).Maximum
    $x = ($q - $lo) / ($hi - $lo)
    $c = [Math]::Round(3000 * (0.95 - $x) / (1 - $x))
    $result = [ordered]@{}
    foreach ($le in $bounds) { $result["$le"] = $(if ($le -ge $hi) { 3000 } else { $c }) }
    $result['+Inf'] = 3000
    $result
}

function Get-InputSeries($shape, [double[]] $v) {
    switch ($shape.Kind) {
        'gauge' {
            , @([ordered]@{ series = "$($shape.Metric){job=`"$backend`", instance=`"$instance`"}"; values = (@($v | ForEach-Object { $_.ToString('0.0000', $inv) }) -join ' ') })
        }
        'ratio' {
            # 3000 requests every 5 minutes; the value is the share of them that fail.
            $errors = @($v | ForEach-Object { [Math]::Max(0, [Math]::Round(3000 * $_)) })
            , @(
                [ordered]@{ series = "http_requests_total{job=`"$backend`", instance=`"$instance`", status=`"200`"}"; values = Join-Cumulative @($errors | ForEach-Object { 3000 - $_ }) }
                [ordered]@{ series = "http_requests_total{job=`"$backend`", instance=`"$instance`", status=`"500`"}"; values = Join-Cumulative $errors }
            )
        }
        'latency' {
            $buckets = @($v | ForEach-Object { Get-Buckets $_ })
            , @(foreach ($le in @($bounds | ForEach-Object { "$_" }) + '+Inf') {
                    [ordered]@{ series = "http_request_duration_seconds_bucket{job=`"$backend`", instance=`"$instance`", le=`"$le`"}"; values = Join-Cumulative @($buckets | ForEach-Object { $_[$le] }) }
                })
        }
    }
}

$components = @{}
foreach ($s in $Config.anomalySignals) { $components[$s.alert] = $s.component }
$scenarios = [ordered]@{
    'fires on a step change'             = @{ Key = 'step'; Hours = 33; At = 31; Eval = 33; Fires = $true }
    'fires on a slow drift'              = @{ Key = 'drift'; Hours = 35; At = 31; Eval = 35; Fires = $true }
    'quiet on a noisy but normal series' = @{ Key = 'noisy'; Hours = 34; At = 0; Fires = $false }
    'quiet on a steady series'           = @{ Key = 'steady'; Hours = 32; At = 0; Fires = $false }
    # A step 14 hours into a series' life: its z-score passes the threshold, but the series has
    # less than the baseline window of history, so the alert stays quiet.
    'quiet on a brand-new series'        = @{ Key = 'new'; Hours = 18; At = 14; Fires = $false }
}
$tests = foreach ($alert in $shapes.Keys) {
    $shape = $shapes[$alert]
    foreach ($name in $scenarios.Keys) {
        $sc = $scenarios[$name]
        $n = $sc.Hours * 3600 / (Get-Step $shape)
        $values = [double[]]@(Get-Values $shape $sc.Key $n $sc.At)
        $labels = [ordered]@{ job = $backend }
        if ($shape.Level -eq 'instance') { $labels.instance = $instance }
        $group = [ordered]@{ name = "$alert`: $name"; interval = "$((Get-Step $shape) / 60)m"; input_series = (Get-InputSeries $shape $values) }
        if ($sc.Fires) {
            $exp = [ordered]@{ exp_labels = [ordered]@{} + $labels + [ordered]@{ severity = 'P3'; component = $components[$alert] } }
            $exp.exp_annotations = $(if ($Expected.Contains($group.name)) { $Expected[$group.name] } else { [ordered]@{} })
            $group.alert_rule_test = @(
                [ordered]@{ eval_time = "$($sc.At)h"; alertname = $alert; exp_alerts = @() }
                [ordered]@{ eval_time = "$($sc.Eval)h"; alertname = $alert; exp_alerts = @($exp) }
            )
        }
        else {
            $group.alert_rule_test = @([ordered]@{ eval_time = "$($sc.Hours)h"; alertname = $alert; exp_alerts = @() })
            # Never pending nor firing over the whole series, not only at the end.
            $group.promql_expr_test = @([ordered]@{ expr = "count_over_time(ALERTS{alertname=`"$alert`"}[$($sc.Hours)h])"; eval_time = "$($sc.Hours)h"; exp_samples = @() })
            if ($sc.Key -eq 'steady') {
                # Every recorded series of the signal, on a steady input: the recent average equals the
                # baseline's mean, the spread is 0, and so is the z-score (the floor keeps it finite).
                $sig = @($Config.anomalySignals | Where-Object { $_.alert -eq $alert })[0]
                $base = "$($sig.level):$($sig.metric):$($sig.ops)"
                $mean = "$($base)avg$($Config.anomalyBaseline)_offset$($Config.anomalyGap)"
                $labelText = '{' + ((@($labels.Keys | ForEach-Object { '{0}="{1}"' -f $_, $labels[$_] })) -join ', ') + '}'
                foreach ($expr in "abs($($base)avg$($Config.anomalyRecent) - $mean) < bool 1e-9", "$($base)stddev$($Config.anomalyBaseline)_offset$($Config.anomalyGap) < bool 1e-9",
                    "abs($($base)zscore$($Config.anomalyRecent)) < bool 1e-9", "$mean > bool 0") {
                    $group.promql_expr_test += [ordered]@{ expr = $expr; eval_time = "$($sc.Hours)h"; exp_samples = @([ordered]@{ labels = $labelText; value = 1 }) }
                }
            }
            if ($sc.Key -eq 'new') {
                # The z-score did pass the threshold: only the history guard kept the alert quiet.
                $sig = @($Config.anomalySignals | Where-Object { $_.alert -eq $alert })[0]
                $z = "$($sig.level):$($sig.metric):$($sig.ops)zscore$($Config.anomalyRecent)"
                $cmp = if ($shape.Sign -lt 0) { "min_over_time($z[$($sc.Hours)h]) < bool -$($Config.anomalyZThreshold)" } else { "max_over_time($z[$($sc.Hours)h]) > bool $($Config.anomalyZThreshold)" }
                $group.promql_expr_test += [ordered]@{ expr = $cmp; eval_time = "$($sc.Hours)h"; exp_samples = @([ordered]@{ labels = '{' + ((@($labels.Keys | ForEach-Object { '{0}="{1}"' -f $_, $labels[$_] })) -join ', ') + '}'; value = 1 }) }
            }
        }
        $group
    }
}
$gauges = @($tests | Where-Object { $shapes[$_.name.Split(':')[0]].Kind -eq 'gauge' })
$others = @($tests | Where-Object { $shapes[$_.name.Split(':')[0]].Kind -ne 'gauge' })
[ordered]@{
    'anomaly.test.yml'      = [ordered]@{ rule_files = @('../../rules/anomaly.yml'); evaluation_interval = '10m'; tests = $gauges }
    'anomaly-http.test.yml' = [ordered]@{ rule_files = @('../../rules/system.yml', '../../rules/anomaly.yml'); evaluation_interval = '5m'; tests = $others }
}
