using System.Diagnostics;
using System.Text;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.History;
using Prometheus;

namespace Jamey3.Engine.Metrics;

/// <summary>The outcome of one read of the repository by a collector.</summary>
public sealed record MetricsCollection(DateTimeOffset At, bool RepositoryReadable, TimeSpan Duration, string? Error)
{
    /// <summary>What was read; null when the repository could not be read.</summary>
    public BackupHealth? Health { get; init; }
}

/// <summary>
/// Jamey3's backup metrics for one repository, in a registry of their own (no process or runtime
/// metrics), refreshed from the repository's files each time they are collected: a scrape of the
/// exporter and a textfile write produce the same text from the same code.
/// </summary>
/// <remarks>
/// prometheus-net swallows exceptions thrown by a before-collect callback and serves stale values,
/// so the refresh catches everything itself: <c>jamey_backup_up</c> becomes 0, the reason is kept in
/// <see cref="LastCollection"/>, and the repository metrics keep the values last read (they stay
/// unpublished until a first successful read). Concurrent collections are coalesced: a scrape
/// that arrives while another is reading the repository reuses that reading.
/// </remarks>
public sealed class BackupMetricsCollector
{
    readonly object _refreshLock = new();
    long _refreshGeneration;
    readonly Dictionary<string, Gauge> _gauges = new(StringComparer.Ordinal);
    readonly Dictionary<string, Gauge> _copyGauges = new(StringComparer.Ordinal);

    public BackupMetricsCollector(string repositoryPath, JameySettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repositoryPath);
        RepositoryPath = Path.GetFullPath(repositoryPath);
        Settings = settings ?? new JameySettings();
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        foreach (var (name, help) in BackupMetricNames.All)
        {
            // Repository values are not published before they are first read: absent means unknown, never 0.
            bool fromRepository = name is not (BackupMetricNames.Up or BackupMetricNames.ScheduleIntervalSeconds);
            _gauges[name] = factory.CreateGauge(name, help, new GaugeConfiguration { SuppressInitialValue = fromRepository });
        }
        // One series per destination, created when a copy to it is first recorded.
        foreach (var (name, help) in BackupMetricNames.Copy)
            _copyGauges[name] = factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = [BackupMetricNames.DestinationLabel] });
        _gauges[BackupMetricNames.ScheduleIntervalSeconds].Set(Settings.IntervalHours * 3600);
        Registry.AddBeforeCollectCallback(() => Refresh());
    }

    public string RepositoryPath { get; }
    public JameySettings Settings { get; }
    /// <summary>The registry holding only this collector's metrics.</summary>
    public CollectorRegistry Registry { get; }
    /// <summary>The last read of the repository; null before the first collection.</summary>
    public MetricsCollection? LastCollection { get; private set; }

    /// <summary>Reads the repository now and updates every gauge. Never throws.</summary>
    public MetricsCollection Refresh(CancellationToken ct = default)
    {
        long generationSeen = Interlocked.Read(ref _refreshGeneration);
        lock (_refreshLock)
        {
            // Another caller finished a reading while this one waited for the lock: it began at most one
            // reading earlier, so serve it rather than queue scrapes behind each other on a slow volume.
            if (Interlocked.Read(ref _refreshGeneration) != generationSeen && LastCollection is { } recent) return recent;
            var collection = ReadAndApply(ct);
            LastCollection = collection;
            Interlocked.Increment(ref _refreshGeneration);
            return collection;
        }
    }

    MetricsCollection ReadAndApply(CancellationToken ct)
    {
        var at = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        BackupHealth health;
        try
        {
            health = BackupHealth.Read(RepositoryPath, ct);
        }
        catch (Exception e)
        {
            _gauges[BackupMetricNames.Up].Set(0);
            return new MetricsCollection(at, false, watch.Elapsed, Describe(e));
        }
        Apply(health);
        _gauges[BackupMetricNames.Up].Set(1);
        return new MetricsCollection(at, true, watch.Elapsed, null) { Health = health };
    }

    static string Describe(Exception e) =>
        e is UnauthorizedAccessException or IOException or InvalidDataException || e is Errors.JameyException
            ? e.Message
            : $"{e.GetType().Name}: {e.Message}";

    void Apply(BackupHealth h)
    {
        Set(BackupMetricNames.LastSuccessTimestampSeconds, Timestamp(h.LastBackupSuccess));
        Set(BackupMetricNames.LastAttemptTimestampSeconds, Timestamp(h.LastBackupAttempt));
        Set(BackupMetricNames.LastRunSuccess, Succeeded(h.LastBackupAttempt));
        Set(BackupMetricNames.LastDurationSeconds, h.LastBackupSuccess is { } s ? Math.Max(0, s.DurationSeconds) : 0);
        Set(BackupMetricNames.LastSizeBytes, h.LastBackupSuccess?.SizeBytes ?? 0);
        Set(BackupMetricNames.LastVerifyTimestampSeconds, Timestamp(h.LastVerify));
        Set(BackupMetricNames.LastVerifySuccess, Succeeded(h.LastVerify));
        Set(BackupMetricNames.LastRestoreTimestampSeconds, Timestamp(h.LastRestore));
        Set(BackupMetricNames.LastRestoreSuccess, Succeeded(h.LastRestore));
        Set(BackupMetricNames.LastRetentionTimestampSeconds, Timestamp(h.LastRetention));
        Set(BackupMetricNames.LastRetentionSuccess, Succeeded(h.LastRetention));
        Set(BackupMetricNames.Retained, h.Retained);
        Set(BackupMetricNames.RepositorySizeBytes, h.RepositorySizeBytes);
        Set(BackupMetricNames.StagingSizeBytes, h.StagingSizeBytes);
        Set(BackupMetricNames.RollbackSizeBytes, h.RollbackSizeBytes);
        ApplyCopies(h.Copies);
    }

    void ApplyCopies(IReadOnlyList<CopyHealth> copies)
    {
        var current = copies.Select(c => c.Destination).ToHashSet(StringComparer.Ordinal);
        foreach (var gauge in _copyGauges.Values)
            foreach (var labels in gauge.GetAllLabelValues().ToList())
                if (!current.Contains(labels[0])) gauge.RemoveLabelled(labels); // its status file is gone: so is the destination
        foreach (var c in copies)
        {
            void S(string name, double v) => _copyGauges[name].WithLabels(c.Destination).Set(v);
            S(BackupMetricNames.CopyLastSuccessTimestampSeconds, c.LastSuccessAt is { } ok ? ToUnixSeconds(ok) : 0);
            S(BackupMetricNames.CopyLastAttemptTimestampSeconds, ToUnixSeconds(c.LastAttemptAt));
            S(BackupMetricNames.CopyLastRunSuccess, c.LastOutcome == RunOutcome.Succeeded ? 1 : 0);
            S(BackupMetricNames.CopyBehindBackups, c.BehindBackups);
            S(BackupMetricNames.CopyBehindBytes, c.BehindBytes);
            S(BackupMetricNames.CopyLastSentBytes, c.BytesSentLastRun);
        }
    }

    void Set(string name, double value) => _gauges[name].Set(value);

    static double Timestamp(RunRecord? run) => run is null ? 0 : ToUnixSeconds(run.FinishedAt);
    static double Succeeded(RunRecord? run) => run is { Success: true } ? 1 : 0;

    /// <summary>Unix time in seconds with the full precision of the instant (whole milliseconds give an exact x.yyy value).</summary>
    public static double ToUnixSeconds(DateTimeOffset t) =>
        (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>Collects (refreshing from the repository) and writes the Prometheus text exposition format.</summary>
    public Task ExportAsTextAsync(Stream destination, CancellationToken ct = default) =>
        Registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, ct);

    /// <summary>Collects (refreshing from the repository) and returns the Prometheus text exposition format.</summary>
    public async Task<string> ExportAsTextAsync(CancellationToken ct = default)
    {
        using var buffer = new MemoryStream();
        await ExportAsTextAsync(buffer, ct).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
