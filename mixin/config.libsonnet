// The one configuration of the Jamey3 monitoring mixin. Everything generated from mixin/
// (rules/*.yml, deploy/grafana/dashboards/*.json, tests/rules/anomaly.test.yml) reads it.
// To adapt it, import mixin.libsonnet and override fields:
//   (import 'mixin/mixin.libsonnet') + { _config+:: { runbookBaseUrl: 'https://wiki.example/runbooks/' } }
{
  _config+:: {
    // Scrape jobs, as in deploy/prometheus.yml.
    backendJob: 'jamey-3-backend',
    nodeJob: 'node',
    backupJob: 'jamey3-backup',

    // Where docs/runbooks/ is published (a wiki, a static site, or the folder in your repository
    // browser). Every alert's runbook_url is this base, the runbook file and the section anchor,
    // e.g. <base>backup.md#jameybackupfailed. Absolute, because a person paged on a phone opens it;
    // ends with a slash. The default is a reserved example domain: set yours and regenerate.
    runbookBaseUrl: 'https://runbooks.jamey.example/docs/runbooks/',

    // The Grafana data source the dashboards query (deploy/grafana/provisioning/datasources/).
    datasourceUid: 'jamey3-prometheus',
    datasourceName: 'Prometheus',

    // Static thresholds.
    phiCritical: 0.3,
    phiDegraded: 0.5,
    stabilityCritical: 0.2,
    stabilityDegraded: 0.5,
    errorRatioHigh: 0.05,
    latencyP95High: 1,
    // Used while the exporter does not publish jamey_backup_schedule_interval_seconds.
    defaultBackupIntervalSeconds: 86400,
    // Off-site copies (jamey_backup_copy_*, one series per destination). Stale: no copy to a
    // destination has succeeded for copyStaleSeconds AND it lacks more than copyStaleBehindBackups
    // of this repository's backups (both, so a destination that is merely idle because no new
    // backup was taken stays quiet; JameyBackupStale covers that). Failing: the last copy run
    // did not succeed, for copyFailingFor (a retry within that time stays quiet).
    copyStaleSeconds: 172800,
    copyStaleBehindBackups: 1,
    copyFailingFor: '30m',

    // Anomaly detection: a signal's 1-hour average is compared with its own mean and standard
    // deviation over the baseline window, which ends anomalyGap ago, so that a change of the
    // last hours (a slow drift above all) is measured against the normal before it instead of
    // widening the spread it is divided by. The alert fires when that z-score stays past the
    // threshold for anomalyFor, and only for series with anomalyHistory of history (at least
    // the baseline plus the gap).
    anomalyBaseline: '1d',
    anomalyGap: '6h',
    anomalyHistory: '30h',
    anomalyRecent: '1h',
    anomalyZThreshold: 3,
    anomalyFor: '30m',

    // The signals watched for anomalies. `floor` is the smallest standard deviation the z-score
    // divides by, so a steady metric (spread 0) is not anomalous over a tiny wobble; it is in the
    // signal's unit. `direction` is the side that matters: low Φ or stability, high errors or latency.
    anomalySignals: [
      {
        alert: 'ConsciousnessPhiAnomalous', runbook: 'anomaly.md', component: 'consciousness',
        level: 'instance', metric: 'consciousness_phi_value', ops: '',
        source: 'consciousness_phi_value{%s}' % ('job="' + $._config.backendJob + '"'),
        what: 'Φ', unit: '', floor: 0.02, direction: 'low',
      },
      {
        alert: 'EmotionStabilityAnomalous', runbook: 'anomaly.md', component: 'emotion',
        level: 'instance', metric: 'emotion_stability', ops: '',
        source: 'emotion_stability{%s}' % ('job="' + $._config.backendJob + '"'),
        what: 'Emotional stability', unit: '', floor: 0.02, direction: 'low',
      },
      {
        alert: 'JameyErrorRatioAnomalous', runbook: 'anomaly.md', component: 'system',
        level: 'job', metric: 'http_requests_5xx', ops: 'ratio_rate5m_',
        source: 'job:http_requests_5xx:ratio_rate5m',
        what: 'The HTTP 5xx ratio', unit: 'ratio', floor: 0.002, direction: 'high',
      },
      {
        alert: 'JameyLatencyAnomalous', runbook: 'anomaly.md', component: 'system',
        level: 'job', metric: 'http_request_duration_seconds', ops: 'p95_rate5m_',
        source: 'job:http_request_duration_seconds:p95_rate5m',
        what: 'The 95th percentile request duration', unit: 's', floor: 0.02, direction: 'high',
      },
    ],
  },
}
