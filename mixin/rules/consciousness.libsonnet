// Generated into rules/consciousness.yml by mixin/Build-Mixin.ps1. Strings may hold @name@ placeholders,
// filled from config.libsonnet (see lib/rules.libsonnet).
// Alerts on the consciousness subsystem of the Jamey 3.0 backend.
//
// Severity bands nest: every P1 condition is also a P2 condition, and the
// P2 rule's `for:` is never longer than the P1 rule's, so a P2 alert is always
// firing while its P1 twin is. Alertmanager inhibits the P2 one (same
// alertname, job and instance). A value sitting exactly on the P1 threshold,
// or oscillating around it, therefore still raises P2 instead of nothing.
[
  {
    name: "consciousness",
    rules: [
      {
        record: "instance:consciousness_attention_shifts:rate5m",
        expr: 'rate(consciousness_attention_shifts_total{@backend@}[5m])',
      },
      {
        alert: "ConsciousnessPhiLow",
        expr: 'consciousness_phi_value{@backend@} < @phiCritical@',
        'for': "5m",
        labels: {severity: "P1", component: "consciousness"},
        annotations: {
          summary: "Consciousness Φ critically low on {{ $labels.instance }}",
          description: 'Φ has stayed below @phiCritical@ for 5 minutes; it is now {{ $value | printf "%.3f" }} (healthy is @phiDegraded@ or more).',
          recovery_action: "Check the workspace and attention alerts, inspect recent backend logs and restart the backend if integration does not recover.",
        },
      },
      {
        alert: "ConsciousnessPhiLow",
        expr: 'consciousness_phi_value{@backend@} < @phiDegraded@',
        'for': "5m",
        labels: {severity: "P2", component: "consciousness"},
        annotations: {
          summary: "Consciousness Φ degraded on {{ $labels.instance }}",
          description: 'Φ has stayed below @phiDegraded@ for 5 minutes; it is now {{ $value | printf "%.3f" }}.',
          recovery_action: "Watch the trend; look for load, memory pressure or errors in the backend before Φ falls under @phiCritical@.",
        },
      },
      {
        alert: "ConsciousnessWorkspaceInactive",
        expr: 'consciousness_workspace_activity{@backend@} < 0.2',
        'for': "5m",
        labels: {severity: "P1", component: "consciousness"},
        annotations: {
          summary: "Global workspace nearly inactive on {{ $labels.instance }}",
          description: 'Workspace activity has stayed below 0.2 for 5 minutes; it is now {{ $value | printf "%.3f" }}.',
          recovery_action: "Check that the backend is receiving input and that its processing loop is not stalled; restart the backend if it is.",
        },
      },
      {
        alert: "ConsciousnessMetacognitionLow",
        expr: 'consciousness_metacognition_level{@backend@} < 0.4',
        'for': "10m",
        labels: {severity: "P2", component: "consciousness"},
        annotations: {
          summary: "Metacognition level low on {{ $labels.instance }}",
          description: 'Metacognition level has stayed below 0.4 for 10 minutes; it is now {{ $value | printf "%.3f" }}.',
          recovery_action: "Correlate with Φ and workspace activity; investigate recent configuration or model changes.",
        },
      },
      {
        alert: "ConsciousnessAttentionFailure",
        expr: |||
          instance:consciousness_attention_shifts:rate5m == 0
            and
          consciousness_attention_focus_len{@backend@} == 0
        |||,
        'for': "5m",
        labels: {severity: "P1", component: "consciousness"},
        annotations: {
          summary: "Attention has stopped on {{ $labels.instance }}",
          description: "No attention shift for at least 10 minutes and the focus list is empty.",
          recovery_action: "The attention loop is stuck or starved of input; check backend logs and restart the backend.",
        },
      },
      {
        alert: "ConsciousnessAttentionShiftsExcessive",
        expr: "instance:consciousness_attention_shifts:rate5m * 60 > 10",
        'for': "10m",
        labels: {severity: "P2", component: "consciousness"},
        annotations: {
          summary: "Attention shifting too often on {{ $labels.instance }}",
          description: 'Attention shifts at {{ $value | printf "%.1f" }} per minute (5-minute average), above 10 per minute for 10 minutes.',
          recovery_action: "Look for a flood of input events or a feedback loop between modules; throttle input if needed.",
        },
      },
      {
        alert: "ConsciousnessPhiVolatile",
        expr: |||
          max_over_time(consciousness_phi_value{@backend@}[10m])
            - min_over_time(consciousness_phi_value{@backend@}[10m])
          > 0.3
        |||,
        'for': "10m",
        labels: {severity: "P3", component: "consciousness"},
        annotations: {
          summary: "Consciousness Φ swinging on {{ $labels.instance }}",
          description: 'Φ moved across a range of {{ $value | printf "%.3f" }} within 10 minutes (more than 0.3), for 10 minutes.',
          recovery_action: "No immediate action; note what changed (load, deploys, input bursts) and watch for a Φ low alert.",
        },
      },
    ],
  },
]
