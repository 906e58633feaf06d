// Every generated file, by its path from the repository root, as JSON:
// `jsonnet -m <dir> generate.jsonnet`. Build-Mixin.ps1 writes the .yml ones as YAML (jsonnet 0.18's
// own YAML and JSON manifest functions are interpreted and take tens of seconds on these files; its
// native JSON output takes one).
local mixin = import 'mixin.libsonnet';
{
  ['rules/%s.yml' % name]: mixin.prometheusRuleFiles[name]
  for name in std.objectFields(mixin.prometheusRuleFiles)
} + {
  ['deploy/grafana/dashboards/%s' % name]: mixin.grafanaDashboards[name]
  for name in std.objectFields(mixin.grafanaDashboards)
}
+ {
  // The configuration, for the generators written in PowerShell (tests/New-AnomalyTests.ps1).
  'config.json': mixin._config,
}
