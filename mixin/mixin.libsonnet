// The Jamey3 monitoring mixin: alert rules, recording rules and Grafana dashboards from one
// configuration (config.libsonnet). mixin/generate.jsonnet writes them out; Build-Mixin.ps1 runs it.
local rules = import 'lib/rules.libsonnet';
(import 'config.libsonnet') + {
  local cfg = self._config,
  // Rule file name -> its rule groups; each file's alerts link to one runbook.
  prometheusRuleFiles:: {
    backup: rules.groups(cfg, 'backup.md', import 'rules/backup.libsonnet'),
    consciousness: rules.groups(cfg, 'consciousness.md', import 'rules/consciousness.libsonnet'),
    emotional: rules.groups(cfg, 'emotional.md', import 'rules/emotional.libsonnet'),
    system: rules.groups(cfg, 'system.md', import 'rules/system.libsonnet'),
    anomaly: rules.groups(cfg, 'anomaly.md', (import 'rules/anomaly.libsonnet')(cfg)),
  },
  grafanaDashboards:: {
    'jamey3-backup.json': (import 'dashboards/backup.libsonnet')(cfg),
    'jamey3-health.json': (import 'dashboards/health.libsonnet')(cfg),
  },
}
