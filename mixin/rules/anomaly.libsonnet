// Anomaly detection, generated into rules/anomaly.yml: for every signal in
// config.libsonnet's anomalySignals, recording rules for its recent average, the mean and the
// standard deviation of its baseline window, the z-score of the one against the others, and an
// alert on a z-score past the threshold.
//
// Why this shape:
// - The recent side is a 1-hour average, not the raw value: white noise of spread σ averages to
//   about σ/√(samples), so ordinary noise never comes near 3 σ, while a step or a drift does.
// - The spread has a floor (per signal, in its unit): a steady metric has a spread of 0, and a
//   wobble of 0.001 on it must not read as infinitely many standard deviations.
// - The baseline window ends some hours ago: a drift that began within them does not widen the
//   spread it is measured against (against a trailing window, a linear drift never gets much past
//   3 standard deviations, however long it goes on).
// - The alert needs the baseline and the gap of history (the series existed that long ago): a
//   brand-new series' mean and spread describe its first hours, not its normal.
// - One-sided: a falling Φ or a rising error ratio matters; the other direction does not page.
function(cfg)
  local str = (import '../lib/rules.libsonnet').str;
  local names(s) = {
    base: s.level + ':' + s.metric + ':' + s.ops,
    recent: self.base + 'avg' + cfg.anomalyRecent,
    mean: self.base + 'avg' + cfg.anomalyBaseline + '_offset' + cfg.anomalyGap,
    spread: self.base + 'stddev' + cfg.anomalyBaseline + '_offset' + cfg.anomalyGap,
    z: self.base + 'zscore' + cfg.anomalyRecent,
  };
  [
    {
      name: 'anomaly',
      rules: std.flattenArrays([
        local n = names(s);
        [
          // offset 1m: a source recorded by another group (the error ratio, the latency) may or may
          // not have its newest sample yet, since groups run in no fixed order; leave it out always.
          { record: n.recent, expr: 'avg_over_time(%s[%s] offset 1m)' % [s.source, cfg.anomalyRecent] },
          { record: n.mean, expr: 'avg_over_time(%s[%s] offset %s)' % [s.source, cfg.anomalyBaseline, cfg.anomalyGap] },
          { record: n.spread, expr: 'stddev_over_time(%s[%s] offset %s)' % [s.source, cfg.anomalyBaseline, cfg.anomalyGap] },
          {
            record: n.z,
            expr: '(%s - %s) / clamp_min(%s, %s)' % [n.recent, n.mean, n.spread, str(s.floor)],
          },
        ]
        for s in cfg.anomalySignals
      ]) + [
        local n = names(s);
        local low = s.direction == 'low';
        local value(q) = if s.unit == 's' then '{{ %s | humanizeDuration }}' % q
        else if s.unit == 'ratio' then '{{ %s | humanizePercentage }}' % q
        else '{{ %s | printf "%%.3f" }}' % q;
        local lookup(metric) = '{{ with printf "%s{%s}" %s | query }}{{ . | first | value | %s }}{{ end }}' % [
          metric,
          if s.level == 'instance' then 'job=%q,instance=%q' else 'job=%q',
          if s.level == 'instance' then '$labels.job $labels.instance' else '$labels.job',
          if s.unit == 's' then 'humanizeDuration' else if s.unit == 'ratio' then 'humanizePercentage' else 'printf "%.3f"',
        ];
        {
          alert: s.alert,
          expr: |||
            %s %s %s%s
              and
            (%s offset %s)
          ||| % [n.z, if low then '<' else '>', if low then '-' else '', str(cfg.anomalyZThreshold), s.source, cfg.anomalyHistory],
          'for': cfg.anomalyFor,
          labels: { severity: 'P3', component: s.component },
          annotations: {
            summary: '%s is unusually %s on {{ $labels.%s }}' % [s.what, if low then 'low' else 'high', s.level],
            description: '%s averaged %s over the last %s, {{ $value | printf "%%.1f" }} standard deviations from its mean of %s over the %s before the last %s, for %s.' % [
              s.what, lookup(n.recent), cfg.anomalyRecent, lookup(n.mean), cfg.anomalyBaseline, cfg.anomalyGap, cfg.anomalyFor,
            ],
            recovery_action: 'No immediate action; find what changed (deploys, input, load, configuration) before a static threshold is crossed.',
          },
        }
        for s in cfg.anomalySignals
      ],
    },
  ]
