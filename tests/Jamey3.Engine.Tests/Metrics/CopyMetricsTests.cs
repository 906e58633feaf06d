using System.Globalization;
using System.Text.RegularExpressions;
using Jamey3.Engine.History;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using static Jamey3.Engine.Metrics.BackupMetricNames;

namespace Jamey3.Engine.Tests.Metrics;

/// <summary>
/// The per-destination copy metrics, from real copy status files (CopyStatusStore.Save, as Copy-JameyBackup writes
/// them) and real local backups.
/// </summary>
public sealed partial class CopyMetricsTests : IDisposable
{
    readonly MetricsWorkspace _ws = new();
    string StateDirectory => new BackupRepository(_ws.RepositoryPath).StateDirectory;

    public void Dispose() => _ws.Dispose();

    [GeneratedRegex("""^(?<name>[a-z_]+)\{destination="(?<dest>(?:[^"\\]|\\.)*)"\} (?<value>\S+)$""")]
    private static partial Regex LabelledSample();

    /// <summary>The copy samples: (name, destination) → value.</summary>
    static Dictionary<(string, string), double> CopySamples(string text)
    {
        var samples = new Dictionary<(string, string), double>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("jamey_backup_copy_", StringComparison.Ordinal)) continue;
            var m = LabelledSample().Match(line);
            Assert.True(m.Success, $"unexpected copy sample line: '{line}'");
            samples.Add((m.Groups["name"].Value, m.Groups["dest"].Value.Replace("\\\"", "\"").Replace("\\\\", "\\")),
                double.Parse(m.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    [Fact]
    public async Task Without_copies_no_copy_series_exist_and_the_text_passes_promtool()
    {
        _ws.Backup();
        var text = await new BackupMetricsCollector(_ws.RepositoryPath).ExportAsTextAsync();
        Assert.Empty(CopySamples(text));
        foreach (var (name, _) in Copy) Assert.Contains($"# TYPE {name} gauge", text);
        var (code, output) = Exposition.PromtoolCheck(text);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Each_destination_reports_its_last_success_failure_and_what_it_is_behind()
    {
        var b1 = _ws.Backup();
        _ws.AddData();
        var b2 = _ws.Backup();
        _ws.AddData();
        var b3 = _ws.Backup();

        const string azure = "azure://account/container/jamey";
        const string s3 = "s3://bucket/off-site";
        var okAt = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        // Azure holds b1 and b2 after its last success; a later attempt failed.
        CopyStatusStore.Save(StateDirectory, new CopyStatus
        {
            Destination = azure, LastAttemptAt = okAt.AddHours(1), LastOutcome = RunOutcome.Failed, LastSuccessAt = okAt,
            BackupIdsAtDestination = [b1.BackupId, b2.BackupId], BytesSentLastRun = 12345, LastError = "connection refused",
        });
        // S3 never succeeded: everything is behind.
        CopyStatusStore.Save(StateDirectory, new CopyStatus
        {
            Destination = s3, LastAttemptAt = okAt, LastOutcome = RunOutcome.Failed, BytesSentLastRun = 0,
        });

        var collector = new BackupMetricsCollector(_ws.RepositoryPath);
        var text = await collector.ExportAsTextAsync();
        var m = CopySamples(text);

        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(okAt), m[(CopyLastSuccessTimestampSeconds, azure)]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(okAt.AddHours(1)), m[(CopyLastAttemptTimestampSeconds, azure)]);
        Assert.Equal(0, m[(CopyLastRunSuccess, azure)]);
        Assert.Equal(1, m[(CopyBehindBackups, azure)]);
        Assert.Equal(b3.StoredSize, m[(CopyBehindBytes, azure)]);
        Assert.True(b3.StoredSize > 0);
        Assert.Equal(12345, m[(CopyLastSentBytes, azure)]);

        Assert.Equal(0, m[(CopyLastSuccessTimestampSeconds, s3)]);
        Assert.Equal(3, m[(CopyBehindBackups, s3)]);
        Assert.Equal(b1.StoredSize + b2.StoredSize + b3.StoredSize, m[(CopyBehindBytes, s3)]);
        Assert.Equal(12, m.Count); // six series per destination, nothing else
        var (code, output) = Exposition.PromtoolCheck(text);
        Assert.True(code == 0, output);

        // A successful copy of the newest backup: nothing behind, success 1. The destination pruned b1 (its own
        // retention): b1 is older than everything it holds, so it is not counted as behind.
        var laterOk = okAt.AddHours(2);
        CopyStatusStore.Save(StateDirectory, new CopyStatus
        {
            Destination = azure, LastAttemptAt = laterOk, LastOutcome = RunOutcome.Succeeded, LastSuccessAt = laterOk,
            BackupIdsAtDestination = [b2.BackupId, b3.BackupId], BytesSentLastRun = 99,
        });
        m = CopySamples(await collector.ExportAsTextAsync());
        Assert.Equal(1, m[(CopyLastRunSuccess, azure)]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(laterOk), m[(CopyLastSuccessTimestampSeconds, azure)]);
        Assert.Equal(0, m[(CopyBehindBackups, azure)]);
        Assert.Equal(0, m[(CopyBehindBytes, azure)]);
        Assert.Equal(99, m[(CopyLastSentBytes, azure)]);

        // A destination whose status file is removed disappears from the metrics.
        File.Delete(CopyStatusStore.FileFor(StateDirectory, s3));
        m = CopySamples(await collector.ExportAsTextAsync());
        Assert.DoesNotContain(m.Keys, k => k.Item2 == s3);
        Assert.Equal(6, m.Count);
    }

    [Fact]
    public async Task A_backup_missing_in_the_middle_counts_as_behind_and_a_damaged_backup_does_not()
    {
        var b1 = _ws.Backup();
        _ws.AddData();
        var b2 = _ws.Backup();
        _ws.AddData();
        var b3 = _ws.Backup();
        // b2 damaged locally: not a current Complete backup, so nothing a copy could send.
        var repo = new BackupRepository(_ws.RepositoryPath);
        File.Delete(Path.Combine(repo.BackupsDirectory, b2.BackupId, Manifest.FileName));
        const string dest = "/mnt/usb/jamey-copy";
        CopyStatusStore.Save(StateDirectory, new CopyStatus
        {
            Destination = dest, LastAttemptAt = DateTimeOffset.UtcNow, LastOutcome = RunOutcome.Succeeded,
            LastSuccessAt = DateTimeOffset.UtcNow, BackupIdsAtDestination = [b1.BackupId],
        });
        var m = CopySamples(await new BackupMetricsCollector(_ws.RepositoryPath).ExportAsTextAsync());
        Assert.Equal(1, m[(CopyBehindBackups, dest)]);
        Assert.Equal(b3.StoredSize, m[(CopyBehindBytes, dest)]);
    }

    [Fact]
    public void An_unreadable_status_file_is_skipped_and_the_scrape_still_succeeds()
    {
        _ws.Backup();
        CopyStatusStore.Save(StateDirectory, new CopyStatus { Destination = "s3://b/p", LastAttemptAt = DateTimeOffset.UtcNow });
        File.WriteAllText(Path.Combine(CopyStatusStore.FolderFor(StateDirectory), "0000000000000000.json"), "{ not json");
        var c = new BackupMetricsCollector(_ws.RepositoryPath);
        var collection = c.Refresh();
        Assert.True(collection.RepositoryReadable);
        Assert.Equal(["s3://b/p"], collection.Health!.Copies.Select(x => x.Destination));
    }
}
