// Generated into rules/emotional.yml by mixin/Build-Mixin.ps1. Strings may hold @name@ placeholders,
// filled from config.libsonnet (see lib/rules.libsonnet).
// Alerts on the emotional processing subsystem of the Jamey 3.0 backend.
// Severity bands nest the same way as in consciousness.yml: P1 implies P2.
[
  {
    name: "emotional",
    rules: [
      {
        record: "instance:emotion_changes:rate5m",
        expr: 'rate(emotion_changes_total{@backend@}[5m])',
      },
      {
        alert: "EmotionStabilityLow",
        expr: 'emotion_stability{@backend@} < @stabilityCritical@',
        'for': "5m",
        labels: {severity: "P1", component: "emotion"},
        annotations: {
          summary: "Emotional stability critically low on {{ $labels.instance }}",
          description: 'Emotional stability has stayed below @stabilityCritical@ for 5 minutes; it is now {{ $value | printf "%.3f" }} (healthy is @stabilityDegraded@ or more).',
          recovery_action: "Check the input stream for abnormal content or volume and the backend logs for errors; restart emotional processing if it does not settle.",
        },
      },
      {
        alert: "EmotionStabilityLow",
        expr: 'emotion_stability{@backend@} < @stabilityDegraded@',
        'for': "5m",
        labels: {severity: "P2", component: "emotion"},
        annotations: {
          summary: "Emotional stability degraded on {{ $labels.instance }}",
          description: 'Emotional stability has stayed below @stabilityDegraded@ for 5 minutes; it is now {{ $value | printf "%.3f" }}.',
          recovery_action: "Watch the trend and look at recent inputs and state changes before it falls under @stabilityCritical@.",
        },
      },
      {
        alert: "EmotionIntensityHigh",
        expr: 'emotion_intensity{@backend@} > 0.9',
        'for': "10m",
        labels: {severity: "P2", component: "emotion"},
        annotations: {
          summary: "Emotional intensity very high on {{ $labels.instance }}",
          description: 'Emotional intensity has stayed above 0.9 for 10 minutes; it is now {{ $value | printf "%.3f" }}.',
          recovery_action: "Identify the input driving the state; check that intensity decay is working.",
        },
      },
      {
        alert: "EmotionStateChangesFrequent",
        expr: "instance:emotion_changes:rate5m * 60 > 5",
        'for': "15m",
        labels: {severity: "P3", component: "emotion"},
        annotations: {
          summary: "Emotional state changing often on {{ $labels.instance }}",
          description: 'Emotional state changes at {{ $value | printf "%.1f" }} per minute (5-minute average), above 5 per minute for 15 minutes.',
          recovery_action: "No immediate action; look for bursts of input and check stability alerts.",
        },
      },
      {
        alert: "EmotionIntensityVolatile",
        expr: |||
          max_over_time(emotion_intensity{@backend@}[10m])
            - min_over_time(emotion_intensity{@backend@}[10m])
          > 0.5
        |||,
        'for': "10m",
        labels: {severity: "P3", component: "emotion"},
        annotations: {
          summary: "Emotional intensity swinging on {{ $labels.instance }}",
          description: 'Emotional intensity moved across a range of {{ $value | printf "%.3f" }} within 10 minutes (more than 0.5), for 10 minutes.',
          recovery_action: "No immediate action; note what changed and watch for stability alerts.",
        },
      },
    ],
  },
]
