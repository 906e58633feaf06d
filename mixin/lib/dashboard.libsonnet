// A small dashboard library (no grafonnet: nothing is vendored). Panels are laid out in rows of 24
// grid units, in the order given; ids follow that order, so the output is the same every time.
{
  datasource(cfg):: { type: 'prometheus', uid: cfg.datasourceUid },

  target(cfg, expr, legend, ref):: {
    datasource: $.datasource(cfg), expr: expr, legendFormat: legend, refId: ref, range: true, instant: false,
  },

  panel(cfg, type, title, description, targets, unit, w, h, extra={}):: {
    type: type, title: title, description: description, datasource: $.datasource(cfg),
    targets: [$.target(cfg, t[0], t[1], std.char(65 + i)) for i in std.range(0, std.length(targets) - 1) for t in [targets[i]]],
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
    options: {},
    gridPos: { w: w, h: h },
  } + extra,

  stat(cfg, title, description, targets, unit, mappings=[], w=6, h=4):: self.panel(cfg, 'stat', title, description, targets, unit, w, h, {
    fieldConfig+: { defaults+: { mappings: mappings } },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto' },
  }),

  timeseries(cfg, title, description, targets, unit, w=12, h=8, overrides=[]):: self.panel(cfg, 'timeseries', title, description, targets, unit, w, h, {
    fieldConfig+: { overrides: overrides },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
  }),

  text(title, content, w=24, h=3):: {
    type: 'text', title: title, options: { mode: 'markdown', content: content }, gridPos: { w: w, h: h },
  },

  // Value mappings for a 0/1 gauge and for "0 means never".
  okFailed(ok, failed):: [{ type: 'value', options: { '1': { text: ok, color: 'green', index: 0 }, '0': { text: failed, color: 'red', index: 1 } } }],
  never:: [{ type: 'value', options: { '0': { text: 'never', color: 'text', index: 0 } } }],

  // Places the panels left to right, top to bottom, and numbers them.
  layout(panels)::
    local step(acc, p) =
      local x = if acc.x + p.gridPos.w > 24 then 0 else acc.x;
      local y = if acc.x + p.gridPos.w > 24 then acc.y + acc.rowH else acc.y;
      local rowH = if acc.x + p.gridPos.w > 24 then p.gridPos.h else std.max(acc.rowH, p.gridPos.h);
      { x: x + p.gridPos.w, y: y, rowH: rowH, out: acc.out + [p { id: std.length(acc.out) + 1, gridPos+: { x: x, y: y } }] };
    std.foldl(step, panels, { x: 0, y: 0, rowH: 0, out: [] }).out,

  dashboard(uid, title, description, tags, panels):: {
    uid: uid, title: title, description: description, tags: tags,
    editable: false, graphTooltip: 1, refresh: '1m', schemaVersion: 39, version: 1,
    time: { from: 'now-2d', to: 'now' }, timezone: 'browser',
    templating: { list: [] }, annotations: { list: [] }, links: [],
    panels: $.layout(panels),
  },
}
