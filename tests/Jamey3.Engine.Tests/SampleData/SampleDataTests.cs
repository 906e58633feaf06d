using System.Diagnostics;
using Jamey3.SampleData;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.SampleData;

// Three classes so xunit runs generator, simulator and CLI checks side by side; each test gets its own temp folder.

/// <summary>The generator produces the directory shape, determinism and sizes that backup tests rely on.</summary>
public sealed class SampleDataGeneratorTests : SampleDataTestBase
{
    [Fact]
    public void Generate_same_seed_and_size_gives_same_rows_and_documents()
    {
        var a = SampleDataGenerator.Generate(NewPath("a"), SmallSize, seed: 11);
        var b = SampleDataGenerator.Generate(NewPath("b"), SmallSize, seed: 11);
        var c = SampleDataGenerator.Generate(NewPath("c"), SmallSize, seed: 12);

        Assert.Equal(a.RowCount, b.RowCount);
        Assert.Equal(a.DocsPerIndex, b.DocsPerIndex);
        Assert.Equal(ReadRows(a.DataPath), ReadRows(b.DataPath));
        Assert.Equal(ReadMetadata(a.DataPath), ReadMetadata(b.DataPath));
        foreach (var name in JameyLayout.IndexNames)
            Assert.Equal(ReadDocs(a.DataPath, name), ReadDocs(b.DataPath, name));

        // Nothing may leak from the clock or from thread timing into the content: the database file
        // itself is byte-for-byte the same.
        Assert.Equal(File.ReadAllBytes(JameyLayout.DatabasePath(a.DataPath)), File.ReadAllBytes(JameyLayout.DatabasePath(b.DataPath)));

        var idsA = ReadRows(a.DataPath).Select(r => r.Id).ToHashSet();
        Assert.DoesNotContain(ReadRows(c.DataPath), r => idsA.Contains(r.Id));
    }

    [Fact]
    public void Generate_produces_the_Jamey_directory_shape_in_WAL_mode_with_readable_multi_segment_indices()
    {
        var path = NewPath("shape");
        var summary = SampleDataGenerator.Generate(path, SmallSize, seed: 3);

        Assert.Equal(Path.GetFullPath(path), summary.DataPath);
        Assert.Equal([JameyLayout.DatabaseFileName], System.IO.Directory.GetFiles(path).Select(Path.GetFileName));
        Assert.Equal([JameyLayout.MemoryDirectoryName], System.IO.Directory.GetDirectories(path).Select(Path.GetFileName));
        Assert.Equal(JameyLayout.IndexNames.Order(),
            System.IO.Directory.GetDirectories(JameyLayout.MemoryPath(path)).Select(Path.GetFileName).Order());

        // WAL is recorded in the header (read/write format version bytes = 2), so it survives a file copy.
        var header = new byte[20];
        using (var fs = File.OpenRead(JameyLayout.DatabasePath(path))) fs.ReadExactly(header);
        Assert.Equal("SQLite format 3\0"u8.ToArray(), header[..16]);
        Assert.Equal(2, header[18]);
        Assert.Equal(2, header[19]);

        using (var db = OpenDb(path))
        {
            Assert.Equal("wal", Scalar<string>(db, "PRAGMA journal_mode"));
            Assert.Equal(JameyLayout.SchemaVersion, Scalar<long>(db, "PRAGMA user_version"));
            Assert.Equal("ok", Scalar<string>(db, "PRAGMA integrity_check"));
            Assert.Equal(summary.RowCount, Scalar<long>(db, "SELECT count(*) FROM memory_records"));
            Assert.Equal(1, Scalar<long>(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='memory_records' AND sql LIKE '%layer%timestamp%'"));
            var meta = ReadMetadata(path);
            Assert.Equal(JameyLayout.SchemaVersion.ToString(), meta["schema_version"]);
            Assert.True(Guid.TryParse(meta["instance_id"], out _));
            Assert.True(meta.ContainsKey("created_at"));
            // Every row carries JSON arrays and ISO timestamps.
            Assert.Equal(0, Scalar<long>(db, "SELECT count(*) FROM memory_records WHERE json_type(emotional_tags) <> 'array' OR json_type(context_associations) <> 'array' OR timestamp NOT LIKE '20__-__-__T__:__:__.___Z'"));
        }

        var rows = ReadRows(path);
        foreach (var name in JameyLayout.IndexNames)
        {
            using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, name));
            using var reader = DirectoryReader.Open(dir);
            Assert.True(reader.NumDocs > 0, $"{name} has no documents");
            Assert.True(reader.Leaves.Count >= 2, $"{name} has {reader.Leaves.Count} segment(s); tests need several");
            Assert.Equal(summary.DocsPerIndex[name], reader.NumDocs);
            Assert.Equal(summary.SegmentsPerIndex[name], reader.Leaves.Count);

            // The index mirrors the layer's rows: same ids, same content, timestamp as unix ms.
            var expected = rows.Where(r => r.Layer == name)
                .Select(r => (r.Id, r.Content, DateTimeOffset.Parse(r.Timestamp).ToUnixTimeMilliseconds()))
                .OrderBy(x => x.Id, StringComparer.Ordinal).ToList();
            Assert.Equal(expected, ReadDocs(path, name));
        }

        Assert.Equal(summary.RowCount, summary.TotalDocs);
        Assert.True(summary.BytesWritten > SmallSize / 2 && summary.BytesWritten < SmallSize * 2, $"wrote {summary.BytesWritten} bytes for a {SmallSize} target");
        Assert.Throws<IOException>(() => SampleDataGenerator.Generate(path, SmallSize, seed: 3));
    }

    [Theory]
    [InlineData("204800", 204800L)]
    [InlineData("200KB", 204800L)]
    [InlineData("10MB", 10485760L)]
    [InlineData("1GB", 1073741824L)]
    [InlineData("1.5 GiB", 1610612736L)]
    [InlineData("3m", 3145728L)]
    public void ByteSize_parses_binary_units(string text, long expected) => Assert.Equal(expected, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("10XB")]
    [InlineData("-5MB")]
    [InlineData("MB")]
    [InlineData("0")]
    public void ByteSize_rejects_nonsense(string text) => Assert.False(ByteSize.TryParse(text, out _));
}

/// <summary>A simulated running Jamey writes and commits under readers, and a lock holder keeps writers out.</summary>
public sealed class JameyWriterSimulatorTests : SampleDataTestBase
{
    [Fact]
    public async Task Simulator_commits_while_running_and_leaves_db_and_indices_readable()
    {
        var path = NewPath("sim");
        var generated = SampleDataGenerator.Generate(path, SmallSize, seed: 5);
        var options = new WriterSimulatorOptions { CommitIntervalMs = 10, RowsPerTick = 4, ForceMergeEveryCommits = 10 };

        WriterSimulatorStats stats;
        using (var sim = new JameyWriterSimulator(path, seed: 5, options))
        {
            foreach (var name in JameyLayout.IndexNames)
            {
                using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, name));
                Assert.True(IndexWriter.IsLocked(dir), $"{name} should be held by the simulator");
            }
            Assert.Throws<LockObtainFailedException>(() => new JameyLockHolder(path));

            using var cts = new CancellationTokenSource();
            // A thread of its own: on a pool thread the loop could wait seconds to start while parallel tests busy the pool.
            var run = Task.Factory.StartNew(() => sim.Run(cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var deadline = Stopwatch.StartNew();
            // A forced merge is skipped while the index is busy merging, so wait for one to have started.
            while ((sim.Commits < 25 || sim.ForceMerges == 0) && deadline.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);

            // Readers (what a backup does) work while the writers are busy.
            using (var dir = FSDirectory.Open(JameyLayout.IndexPath(path, "working")))
            using (var reader = DirectoryReader.Open(dir))
                Assert.True(reader.NumDocs >= generated.DocsPerIndex["working"]);
            using (var db = OpenDb(path))
                Assert.True(Scalar<long>(db, "SELECT count(*) FROM memory_records") >= generated.RowCount);

            cts.Cancel();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
            stats = sim.GetStats();
        }

        Assert.True(stats.Commits >= 25, $"only {stats.Commits} commits");
        Assert.True(stats.RowsInserted > 0 && stats.RowsUpdated > 0);
        Assert.True(stats.ForceMerges > 0);
        Assert.Equal(stats.DocsAdded + stats.DocsUpdated, stats.DocsCommitted);

        using (var db = OpenDb(path))
        {
            Assert.Equal("ok", Scalar<string>(db, "PRAGMA integrity_check"));
            Assert.Equal("wal", Scalar<string>(db, "PRAGMA journal_mode"));
            Assert.Equal(generated.RowCount + stats.RowsInserted, Scalar<long>(db, "SELECT count(*) FROM memory_records"));
        }
        var rows = ReadRows(path);
        long docs = 0;
        foreach (var name in JameyLayout.IndexNames)
        {
            using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, name));
            Assert.False(IndexWriter.IsLocked(dir));
            var indexed = ReadDocs(path, name);
            docs += indexed.Count;
            // Updates replaced documents instead of duplicating them, and content matches the row.
            Assert.Equal(rows.Where(r => r.Layer == name).Select(r => (r.Id, r.Content)).OrderBy(x => x.Id, StringComparer.Ordinal),
                indexed.Select(d => (d.Id, d.Content)));
        }
        Assert.Equal(generated.RowCount + stats.RowsInserted, docs);
    }

    [Fact]
    public void Lock_holder_blocks_writers_and_leaves_the_indices_unchanged()
    {
        var path = NewPath("hold");
        SampleDataGenerator.Generate(path, SmallSize, seed: 8);
        var before = JameyLayout.IndexNames.ToDictionary(n => n, n => SegmentsFile(path, n));

        using (new JameyLockHolder(path))
        {
            foreach (var name in JameyLayout.IndexNames)
            {
                using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, name));
                Assert.True(IndexWriter.IsLocked(dir));
            }
            Assert.Throws<LockObtainFailedException>(() => new JameyWriterSimulator(path, seed: 1));
        }

        foreach (var name in JameyLayout.IndexNames)
            Assert.Equal(before[name], SegmentsFile(path, name));
        // The failed simulator and the holder are both gone; a writer can open now.
        using var sim = new JameyWriterSimulator(path, seed: 1);
        sim.Tick();
        Assert.Equal(1, sim.Ticks);
    }
}

/// <summary>The jamey3-sample process contract used by PowerShell tests: READY, one JSON line, exit codes.</summary>
public sealed class SampleCliTests : SampleDataTestBase
{
    [Fact]
    public void Cli_rejects_bad_arguments_with_exit_code_2()
    {
        var noSize = RunCli(["generate", "--path", NewPath("x")]);
        Assert.Equal(2, noSize.ExitCode);
        Assert.Contains("--size", noSize.StdErr);
        Assert.Equal(2, RunCli(["generate", "--path", NewPath("x"), "--size", "lots"]).ExitCode);
        Assert.Equal(2, RunCli(["write", "--path", NewPath("x"), "--colour", "blue"]).ExitCode);
        Assert.False(System.IO.Directory.Exists(NewPath("x")));
    }

    [Fact]
    public async Task Cli_write_prints_READY_and_stops_with_json_when_stdin_closes()
    {
        var path = NewPath("cli");
        var gen = RunCli(["generate", "--path", path, "--size", "150KB", "--seed", "4"]);
        Assert.Equal(0, gen.ExitCode);
        Assert.Contains("\"rowCount\":", gen.StdOut);

        using var p = StartCli(["write", "--path", path, "--interval-ms", "20"]);
        try
        {
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.Equal("READY", await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15)));
            await Task.Delay(500);
            p.StandardInput.Close();
            var json = await p.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(15));
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {await stderr}");
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            Assert.True(doc.RootElement.GetProperty("commits").GetInt64() > 0);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }
}

/// <summary>Temp folder per test plus readers for the database and the indices.</summary>
public abstract class SampleDataTestBase : IDisposable
{
    protected const long SmallSize = 200 * 1024;
    private readonly TempDirectory _root = new("sample-tests");

    public void Dispose()
    {
        _root.Dispose();
        GC.SuppressFinalize(this);
    }

    protected string NewPath(string name) => _root.Combine(name);

    protected sealed record Row(string Id, string Content, string Timestamp, string Layer, string Tags, string Assoc, string Created, string Updated);

    protected static List<Row> ReadRows(string path)
    {
        using var db = OpenDb(path);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT id, content, timestamp, layer, emotional_tags, context_associations, created_at, updated_at FROM memory_records ORDER BY rowid";
        using var r = cmd.ExecuteReader();
        var rows = new List<Row>();
        while (r.Read())
            rows.Add(new Row(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7)));
        return rows;
    }

    protected static Dictionary<string, string> ReadMetadata(string path)
    {
        using var db = OpenDb(path);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT key, value FROM app_metadata";
        using var r = cmd.ExecuteReader();
        var meta = new Dictionary<string, string>();
        while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        return meta;
    }

    /// <summary>Live documents of an index as (id, content, timestamp ms), sorted by id.</summary>
    protected static List<(string Id, string Content, long Timestamp)> ReadDocs(string path, string index)
    {
        using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, index));
        using var reader = DirectoryReader.Open(dir);
        var docs = new List<(string, string, long)>();
        foreach (var leaf in reader.Leaves)
        {
            var atomic = leaf.AtomicReader;
            var live = atomic.LiveDocs;
            for (int i = 0; i < atomic.MaxDoc; i++)
            {
                if (live is not null && !live.Get(i)) continue;
                var d = atomic.Document(i);
                docs.Add((d.Get("id"), d.Get("content"), d.GetField("timestamp").GetInt64Value()!.Value));
            }
        }
        return [.. docs.OrderBy(d => d.Item1, StringComparer.Ordinal)];
    }

    protected static string SegmentsFile(string path, string index)
    {
        using var dir = FSDirectory.Open(JameyLayout.IndexPath(path, index));
        return SegmentInfos.GetLastCommitSegmentsFileName(dir);
    }

    protected static SqliteConnection OpenDb(string path)
    {
        var db = new SqliteConnection($"Data Source={JameyLayout.DatabasePath(path)};Mode=ReadWrite;Pooling=False");
        db.Open();
        return db;
    }

    protected static T Scalar<T>(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected static Process StartCli(string[] args)
    {
        var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "jamey3-sample.exe" : "jamey3-sample");
        var psi = File.Exists(exe)
            ? new ProcessStartInfo(exe)
            : new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            { ArgumentList = { "exec", Path.Combine(AppContext.BaseDirectory, "jamey3-sample.dll") } };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        return Process.Start(psi)!;
    }

    protected static (int ExitCode, string StdOut, string StdErr) RunCli(string[] args)
    {
        using var p = StartCli(args);
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30000), "jamey3-sample did not exit");
        return (p.ExitCode, stdout, stderr.Result);
    }
}
