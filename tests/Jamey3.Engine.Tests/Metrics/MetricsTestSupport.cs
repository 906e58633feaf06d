using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Util;
using Jamey3.SampleData;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Tests.Metrics;

/// <summary>
/// A temporary Jamey data directory (SQLite in WAL mode with app_metadata and memory_records,
/// five Lucene 4.8 indices) and a backup repository beside it. Small on purpose: a few KB.
/// </summary>
sealed class MetricsWorkspace : IDisposable
{
    int _round;
    readonly TempDirectory _dir = new("metrics");

    public MetricsWorkspace()
    {
        Root = _dir.Path;
        DataPath = Path.Combine(Root, "data");
        RepositoryPath = Path.Combine(Root, "repo");
        Directory.CreateDirectory(DataPath);
        CreateDatabase();
        AddData();
    }

    public string Root { get; }
    public string DataPath { get; }
    public string RepositoryPath { get; }

    /// <summary>Adds rows and a new Lucene segment to every index, so the next backup differs (and shares older segments).</summary>
    public void AddData()
    {
        _round++;
        using (var c = new SqliteConnection($"Data Source={Path.Combine(DataPath, DataLayout.DatabaseFile)}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO memory_records(id, layer, content, created_at) VALUES ($id, $layer, $content, $at)";
            var id = cmd.Parameters.Add("$id", SqliteType.Text);
            cmd.Parameters.AddWithValue("$layer", "short_term");
            cmd.Parameters.AddWithValue("$content", $"round {_round}: " + new string('x', 200));
            cmd.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture));
            for (int i = 0; i < 20; i++)
            {
                id.Value = $"mem-{_round}-{i}";
                cmd.ExecuteNonQuery();
            }
        }
        SqliteConnection.ClearAllPools();
        foreach (var layer in DataLayout.MemoryLayers)
        {
            var path = DataLayout.FullPath(DataPath, layer);
            Directory.CreateDirectory(path);
            // No merges: older segments stay unchanged, so the next backup hard-links them.
            using var writer = MemoryIndexes.OpenWriter(path, OpenMode.CREATE_OR_APPEND, 16, NoMergePolicy.NO_COMPOUND_FILES);
            for (int i = 0; i < 10; i++)
            {
                writer.AddDocument(new Document
                {
                    new StringField("id", $"{layer}-{_round}-{i}", Field.Store.YES),
                    new TextField("content", $"memory {i} of round {_round} in {layer}", Field.Store.YES),
                });
            }
            writer.Commit();
        }
    }

    void CreateDatabase()
    {
        using var c = SampleDatabase.Open(Path.Combine(DataPath, DataLayout.DatabaseFile), create: true);
        SampleDatabase.EnableWal(c);
        SampleDatabase.CreateSchema(c, "metrics-test", "2024-01-01T00:00:00Z");
    }

    public JameyBackup Backup() =>
        new BackupEngine().Run(new BackupRequest(DataPath, RepositoryPath));

    public void Dispose() => _dir.Dispose();
}

static class Exposition
{
    /// <summary>The samples of a text exposition without labels: name → value.</summary>
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ');
            Assert.True(parts.Length == 2, $"unexpected sample line (labels or a timestamp?): '{line}'");
            samples.Add(parts[0], double.Parse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    public static async Task<string> ScrapeAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    static int _nextPort = 20000 + Random.Shared.Next(0, 9000);

    /// <summary>
    /// A port nobody listens on right now, never handed out twice by this process, and below Linux's
    /// ephemeral range (32768-60999): a port the kernel just gave to a client socket or to another
    /// test's probe would make starts and stops race with each other.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            int port = Interlocked.Increment(ref _nextPort);
            if (port > 29999) throw new InvalidOperationException("ran out of test ports");
            var probe = new TcpListener(IPAddress.Any, port);
            try
            {
                probe.Start();
                return port;
            }
            catch (SocketException) { }
            finally { probe.Stop(); }
        }
    }

    /// <summary>Runs the real `promtool check metrics` with the text on stdin; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) PromtoolCheck(string text)
    {
        var psi = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(text);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "promtool did not finish");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
