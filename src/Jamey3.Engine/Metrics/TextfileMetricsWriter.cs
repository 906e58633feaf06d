using Jamey3.Engine.Configuration;
using Jamey3.Engine.IO;

namespace Jamey3.Engine.Metrics;

/// <summary>
/// Writes the backup metrics to a file in the Prometheus text format, for node_exporter's textfile
/// collector (it reads *.prom files of its --collector.textfile.directory): scheduled runs report
/// without a long-lived exporter. The text comes from the same collector as a scrape.
/// </summary>
public static class TextfileMetricsWriter
{
    /// <summary>
    /// Reads the repository and replaces <paramref name="outputFile"/> atomically: the text goes to a
    /// hidden *.tmp file beside it (never matched by *.prom), is flushed, then renamed over it, so a
    /// reader sees the old file or the new one, never half of one. Creates the folder if needed.
    /// </summary>
    /// <returns>The read of the repository; when it could not be read, the file says jamey_backup_up 0.</returns>
    public static MetricsCollection Write(string repositoryPath, JameySettings? settings, string outputFile, CancellationToken ct = default) =>
        WriteAsync(repositoryPath, settings, outputFile, ct).GetAwaiter().GetResult();

    public static async Task<MetricsCollection> WriteAsync(string repositoryPath, JameySettings? settings, string outputFile, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFile);
        var target = Path.GetFullPath(outputFile);
        if (Directory.Exists(target)) throw new IOException($"'{target}' is a folder; name the .prom file to write.");
        var collector = new BackupMetricsCollector(repositoryPath, settings);
        using var buffer = new MemoryStream();
        await collector.ExportAsTextAsync(buffer, ct).ConfigureAwait(false);
        Durability.WriteFileAtomically(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return collector.LastCollection!;
    }
}
