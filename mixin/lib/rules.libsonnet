// Helpers that turn the rule sources in mixin/rules/ into Prometheus rule groups.
{
  // The @name@ placeholders a rule source may use, from the configuration.
  placeholders(cfg):: {
    backend: 'job="%s"' % cfg.backendJob,
    node: 'job="%s"' % cfg.nodeJob,
    backup: 'job="%s"' % cfg.backupJob,
    backendJob: cfg.backendJob,
    nodeJob: cfg.nodeJob,
    backupJob: cfg.backupJob,
    phiCritical: cfg.phiCritical,
    phiDegraded: cfg.phiDegraded,
    stabilityCritical: cfg.stabilityCritical,
    stabilityDegraded: cfg.stabilityDegraded,
    errorRatioHigh: cfg.errorRatioHigh,
    errorRatioHighPercent: cfg.errorRatioHigh * 100,
    latencyP95High: cfg.latencyP95High,
    defaultBackupIntervalSeconds: cfg.defaultBackupIntervalSeconds,
    copyStaleSeconds: cfg.copyStaleSeconds,
    copyStaleBehindBackups: cfg.copyStaleBehindBackups,
    copyFailingFor: cfg.copyFailingFor,
  },

  // Numbers as a person writes them (std.toString gives 0.29999999999999999 for 0.3).
  str(v):: if std.isNumber(v) then '%g' % v else v,

  // One pass over the string: jsonnet 0.18's std.strReplace walks it once per placeholder, and is slow.
  fill(cfg, s)::
    local parts = std.split(s, '@');
    local p = self.placeholders(cfg);
    if std.length(parts) == 1 then s
    else
      assert std.length(parts) % 2 == 1 : 'unpaired @ in: ' + s;
      std.join('', [if i % 2 == 1 then $.str(p[parts[i]]) else parts[i] for i in std.range(0, std.length(parts) - 1)]),

  // Every string of a rule, placeholders filled; alerts get their absolute runbook_url.
  rule(cfg, runbook, r)::
    local filled = std.mapWithKey(function(k, v)
      if std.isString(v) then $.fill(cfg, v)
      else if std.isObject(v) then std.mapWithKey(function(_, s) $.fill(cfg, s), v)
      else v, r);
    if std.objectHas(r, 'alert') then
      filled { annotations+: { runbook_url: $.runbookUrl(cfg, runbook, r.alert) } }
    else filled,

  runbookUrl(cfg, file, alert)::
    assert std.startsWith(cfg.runbookBaseUrl, 'https://') || std.startsWith(cfg.runbookBaseUrl, 'http://')
           : 'runbookBaseUrl must be an absolute http(s) URL';
    assert std.endsWith(cfg.runbookBaseUrl, '/') : 'runbookBaseUrl must end with a slash';
    cfg.runbookBaseUrl + file + '#' + std.asciiLower(alert),

  // groups: the rule source's groups; runbook: the runbook file of its alerts.
  groups(cfg, runbook, groups):: {
    groups: [g { rules: [$.rule(cfg, runbook, r) for r in g.rules] } for g in groups],
  },
}
