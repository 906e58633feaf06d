// Generated into rules/system.yml by mixin/Build-Mixin.ps1. Strings may hold @name@ placeholders,
// filled from config.libsonnet (see lib/rules.libsonnet).
// System health of the Jamey 3.0 backend and its host, plus the alerting
// pipeline's own heartbeat.
//
// Assumed metric shapes: the backend exports http_requests_total with a
// `status` label holding the HTTP status code, the histogram
// http_request_duration_seconds and the counter
// database_connection_errors_total; the host runs node_exporter.
[
  {
    name: "system",
    rules: [
      {
        record: "job:http_requests:rate5m",
        expr: 'sum by (job) (rate(http_requests_total{@backend@}[5m]))',
      },
      {
        record: "job:http_requests_5xx:rate5m",
        expr: 'sum by (job) (rate(http_requests_total{@backend@, status=~"5.."}[5m]))',
      },
      {
        record: "job:http_requests_5xx:ratio_rate5m",
        expr: "job:http_requests_5xx:rate5m / job:http_requests:rate5m",
      },
      {
        record: "job:http_request_duration_seconds:p95_rate5m",
        expr: |||
          histogram_quantile(0.95,
            sum by (job, le) (rate(http_request_duration_seconds_bucket{@backend@}[5m])))
        |||,
      },
      {
        record: "instance:node_memory_utilisation:ratio",
        expr: '1 - node_memory_MemAvailable_bytes{@node@} / node_memory_MemTotal_bytes{@node@}',
      },
      {
        record: "instance:node_cpu_utilisation:rate5m",
        expr: '1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{@node@, mode="idle"}[5m]))',
      },
      {
        alert: "JameyBackendDown",
        expr: 'up{@backend@} == 0',
        'for': "1m",
        labels: {severity: "P1", component: "system"},
        annotations: {
          summary: "Jamey 3.0 backend {{ $labels.instance }} is down",
          description: "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for more than 1 minute.",
          recovery_action: "Check the backend process and its logs on the host, restart it, and confirm /metrics answers again.",
        },
      },
      {
        alert: "JameyBackendAbsent",
        expr: 'absent(up{@backend@})',
        'for': "5m",
        labels: {severity: "P1", component: "system"},
        annotations: {
          summary: "No scrape target for the Jamey 3.0 backend",
          description: "Prometheus has had no target for job @backendJob@ for 5 minutes, so no backend alert can fire.",
          recovery_action: "Restore the @backendJob@ scrape job in the Prometheus configuration and reload Prometheus.",
        },
      },
      {
        alert: "NodeExporterDown",
        expr: 'up{@node@} == 0',
        'for': "5m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "node_exporter {{ $labels.instance }} is down",
          description: "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for more than 5 minutes; host memory and CPU are not watched.",
          recovery_action: "Restart node_exporter on the host and confirm its /metrics answers.",
        },
      },
      {
        alert: "NodeExporterAbsent",
        expr: 'absent(up{@node@})',
        'for': "5m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "No scrape target for node_exporter",
          description: "Prometheus has had no target for job @nodeJob@ for 5 minutes; host memory and CPU are not watched.",
          recovery_action: "Restore the @nodeJob@ scrape job in the Prometheus configuration and reload Prometheus.",
        },
      },
      {
        alert: "JameyHighErrorRate",
        expr: "job:http_requests_5xx:ratio_rate5m > @errorRatioHigh@",
        'for': "5m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "High HTTP 5xx ratio on {{ $labels.job }}",
          description: "{{ $value | humanizePercentage }} of requests over the last 5 minutes ended in a 5xx status (threshold @errorRatioHighPercent@%).",
          recovery_action: "Find the failing endpoints in the backend logs; roll back a recent deploy or fix the failing dependency.",
        },
      },
      {
        alert: "JameyHighLatency",
        expr: "job:http_request_duration_seconds:p95_rate5m > @latencyP95High@",
        'for': "10m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "Slow HTTP responses on {{ $labels.job }}",
          description: "The 95th percentile request duration over the last 5 minutes is {{ $value | humanizeDuration }} (threshold @latencyP95High@s), for 10 minutes.",
          recovery_action: "Check host CPU and memory, database latency and slow endpoints; scale down load or restart if resources are exhausted.",
        },
      },
      {
        alert: "JameyDatabaseConnectionErrors",
        expr: 'rate(database_connection_errors_total{@backend@}[5m]) * 60 > 1',
        'for': "5m",
        labels: {severity: "P1", component: "database"},
        annotations: {
          summary: "Database connections failing continuously on {{ $labels.instance }}",
          description: 'The backend has failed to connect to its database {{ $value | printf "%.1f" }} times per minute (5-minute average), above 1 per minute for 5 minutes.',
          recovery_action: "Check that the SQLite database file is present, readable and not locked; free disk space; restart the backend.",
        },
      },
      {
        alert: "JameyDatabaseConnectionErrors",
        expr: 'increase(database_connection_errors_total{@backend@}[5m]) > 0',
        'for': "1m",
        labels: {severity: "P2", component: "database"},
        annotations: {
          summary: "Database connection errors on {{ $labels.instance }}",
          description: 'About {{ $value | printf "%.0f" }} database connection attempt(s) failed in the last 5 minutes.',
          recovery_action: "Check the backend logs for the connection error and the database file's disk, permissions and locks.",
        },
      },
      {
        alert: "NodeMemoryHigh",
        expr: "instance:node_memory_utilisation:ratio > 0.85",
        'for': "15m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "High memory use on {{ $labels.instance }}",
          description: "{{ $value | humanizePercentage }} of memory has been in use for 15 minutes (threshold 85%).",
          recovery_action: "Find the largest processes; restart a leaking backend or add memory.",
        },
      },
      {
        alert: "NodeCpuHigh",
        expr: "instance:node_cpu_utilisation:rate5m > 0.8",
        'for': "15m",
        labels: {severity: "P2", component: "system"},
        annotations: {
          summary: "High CPU use on {{ $labels.instance }}",
          description: "CPU has been {{ $value | humanizePercentage }} busy (5-minute average) for 15 minutes (threshold 80%).",
          recovery_action: "Find the busiest processes; reduce load or move work such as backups off peak.",
        },
      },
    ],
  },
  {
    name: "monitoring",
    rules: [
      {
        alert: "DeadMansSwitch",
        expr: "vector(1)",
        labels: {severity: "heartbeat", component: "monitoring"},
        annotations: {
          summary: "Alerting pipeline heartbeat",
          description: "Always firing. Alertmanager sends it to the heartbeat receiver; if the heartbeat stops arriving, Prometheus, the rules or Alertmanager are broken.",
          recovery_action: "None while it fires. When the heartbeat is missing, check Prometheus, its rule evaluation and Alertmanager.",
        },
      },
    ],
  },
]
