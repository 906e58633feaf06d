using Jamey3.Engine.Configuration;
using Jamey3.Engine.Metrics;

namespace Jamey3.Engine.Tests.Metrics;

public sealed class TextfileMetricsWriterTests : IDisposable
{
    readonly MetricsWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    string Target => Path.Combine(_ws.Root, "textfile", "jamey3_backup.prom");

    [Fact]
    public async Task The_file_is_identical_to_a_scrape()
    {
        _ws.Backup();
        var settings = new JameySettings { IntervalHours = 8 };
        var result = TextfileMetricsWriter.Write(_ws.RepositoryPath, settings, Target);
        Assert.True(result.RepositoryReadable);

        using var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Port = Exposition.FreePort(), Settings = settings });
        var scraped = await Exposition.ScrapeAsync(exporter.Start().Url);
        Assert.Equal(scraped, File.ReadAllText(Target));

        var (code, output) = Exposition.PromtoolCheck(File.ReadAllText(Target));
        Assert.True(code == 0, output);
        Assert.All(File.ReadAllLines(Target).Where(l => !l.StartsWith('#')), l => Assert.StartsWith(BackupMetricNames.Prefix, l));
    }

    [Fact]
    public void Only_the_target_is_left_in_the_folder()
    {
        _ws.Backup();
        Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
        File.WriteAllText(Target, "old content\n");
        TextfileMetricsWriter.Write(_ws.RepositoryPath, null, Target);
        TextfileMetricsWriter.Write(_ws.RepositoryPath, null, Target);
        Assert.Equal([Target], Directory.GetFileSystemEntries(Path.GetDirectoryName(Target)!));
        Assert.Equal(1, Exposition.Parse(File.ReadAllText(Target))[BackupMetricNames.Up]);
    }

    [Fact]
    public async Task The_file_is_replaced_by_rename_so_readers_never_see_half_of_it()
    {
        _ws.Backup();
        TextfileMetricsWriter.Write(_ws.RepositoryPath, null, Target);
        using var before = new FileStream(Target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var oldText = new StreamReader(before).ReadToEnd();

        // Readers polling while it is rewritten always find a whole exposition.
        using var stop = new CancellationTokenSource();
        var wholeReads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = File.ReadAllText(Target);
                Assert.EndsWith("\n", text);
                Assert.Equal(BackupMetricNames.All.Count, Exposition.Parse(text).Count);
                Interlocked.Increment(ref wholeReads);
            }
        });
        var writes = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((writes < 20 || Volatile.Read(ref wholeReads) < 20) && DateTime.UtcNow < deadline && !reader.IsCompleted)
        {
            TextfileMetricsWriter.Write(_ws.RepositoryPath, null, Target);
            writes++;
        }
        stop.Cancel();
        await reader;
        Assert.True(wholeReads >= 20, $"{wholeReads} reads during {writes} writes");

        // The handle opened before still reads the old file: the new one was renamed into place, not written over it.
        before.Position = 0;
        Assert.Equal(oldText, new StreamReader(before).ReadToEnd());
    }

    [Fact]
    public void An_unreadable_repository_writes_up_0()
    {
        var result = TextfileMetricsWriter.Write(Path.Combine(_ws.Root, "missing"), new JameySettings(), Target);
        Assert.False(result.RepositoryReadable);
        Assert.NotNull(result.Error);
        var m = Exposition.Parse(File.ReadAllText(Target));
        Assert.Equal(0, m[BackupMetricNames.Up]);
        Assert.Equal(2, m.Count);
    }

    [Fact]
    public void A_folder_as_target_is_refused()
    {
        Directory.CreateDirectory(Target);
        Assert.Throws<IOException>(() => TextfileMetricsWriter.Write(_ws.RepositoryPath, null, Target));
    }
}
