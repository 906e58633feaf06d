// Jamey's health: Φ, emotional stability, errors and latency, each drawn inside its anomaly band
// (the baseline mean ± threshold × spread, from the anomaly recording rules).
local d = import '../lib/dashboard.libsonnet';
local str = (import '../lib/rules.libsonnet').str;
function(cfg)
  local band(s) =
    local base = s.level + ':' + s.metric + ':' + s.ops;
    local mean = base + 'avg' + cfg.anomalyBaseline + '_offset' + cfg.anomalyGap;
    local spread = 'clamp_min(%s, %s)' % [base + 'stddev' + cfg.anomalyBaseline + '_offset' + cfg.anomalyGap, str(s.floor)];
    local legend = if s.level == 'instance' then '{{instance}}' else '{{job}}';
    d.timeseries(cfg, s.what + ' and its normal band',
                 'The signal, its last-hour average, and the band of its mean ± %s standard deviations over the %s before the last %s. Alert %s when the average stays outside for %s.' % [
                   str(cfg.anomalyZThreshold), cfg.anomalyBaseline, cfg.anomalyGap, s.alert, cfg.anomalyFor],
                 [
                   [s.source, 'value ' + legend],
                   [base + 'avg' + cfg.anomalyRecent, 'last hour ' + legend],
                   ['%s + %s * %s' % [mean, str(cfg.anomalyZThreshold), spread], 'band top ' + legend],
                   ['%s - %s * %s' % [mean, str(cfg.anomalyZThreshold), spread], 'band bottom ' + legend],
                 ],
                 if s.unit == 'ratio' then 'percentunit' else if s.unit == 's' then 's' else 'none');
  d.dashboard('jamey3-health', "Jamey3 / Jamey's health",
              "Jamey 3.0's consciousness (Φ), emotional stability, HTTP errors and latency, with their anomaly bands.",
              ['jamey3', 'anomaly'],
              [band(s) for s in cfg.anomalySignals] + [
    d.timeseries(cfg, 'Anomaly z-scores', 'Standard deviations between each signal\'s last hour and its baseline; the alerts fire past ±%s.' % str(cfg.anomalyZThreshold),
                 [[s.level + ':' + s.metric + ':' + s.ops + 'zscore' + cfg.anomalyRecent, s.what] for s in cfg.anomalySignals], 'none', 12),
    d.timeseries(cfg, 'Database connection errors', 'Failed database connections per second (5-minute rate).',
                 [['rate(database_connection_errors_total{job="%s"}[5m])' % cfg.backendJob, '{{instance}}']], 'reqps', 12),
  ])
