using System.Net;
using System.Net.Sockets;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using static Jamey3.Engine.Metrics.BackupMetricNames;

namespace Jamey3.Engine.Tests.Metrics;

public sealed class MetricsExporterTests : IDisposable
{
    readonly MetricsWorkspace _ws = new();
    readonly List<MetricsExporter> _started = [];

    public void Dispose()
    {
        try { foreach (var e in _started) e.Dispose(); }
        finally { _ws.Dispose(); }
    }

    MetricsExporter StartExporter(JameySettings? settings = null)
    {
        var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath)
        {
            Port = Exposition.FreePort(), Settings = settings ?? new JameySettings(),
        });
        _started.Add(exporter);
        exporter.Start();
        return exporter;
    }

    [Fact]
    public async Task Scrape_over_http_equals_the_history_and_manifest()
    {
        var backup = _ws.Backup();
        var exporter = StartExporter(new JameySettings { IntervalHours = 12 });
        var endpoint = exporter.Endpoint!;
        Assert.Equal($"http://127.0.0.1:{exporter.Port}/metrics/", endpoint.Url);
        Assert.Equal("127.0.0.1", endpoint.Host);
        Assert.Equal(Path.GetFullPath(_ws.RepositoryPath), endpoint.RepositoryPath);
        Assert.True(DateTimeOffset.UtcNow - endpoint.StartedAt < TimeSpan.FromMinutes(1));

        var m = Exposition.Parse(await Exposition.ScrapeAsync(endpoint.Url));
        var manifest = new BackupRepository(_ws.RepositoryPath).LoadManifest(backup.BackupId);
        var success = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory).Read().Latest[RunOperation.Backup].LastSuccess!;
        Assert.Equal(1, m[Up]);
        Assert.Equal(manifest.CompletedAt.ToUnixTimeMilliseconds() / 1000.0, m[LastSuccessTimestampSeconds]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(success.FinishedAt), m[LastSuccessTimestampSeconds]);
        Assert.Equal(manifest.Totals.Size, m[LastSizeBytes]);
        Assert.Equal(1, m[Retained]);
        Assert.Equal(12 * 3600, m[ScheduleIntervalSeconds]);
    }

    [Fact]
    public async Task Prometheus_default_path_without_the_slash_is_served_too()
    {
        var exporter = StartExporter();
        var text = await Exposition.ScrapeAsync($"http://127.0.0.1:{exporter.Port}/metrics");
        Assert.Contains($"{Up} ", text);
    }

    [Fact]
    public async Task A_backup_made_after_the_start_shows_on_the_next_scrape()
    {
        var exporter = StartExporter();
        var first = Exposition.Parse(await Exposition.ScrapeAsync(exporter.Endpoint!.Url));
        Assert.Equal(0, first[Up]); // the repository does not exist yet...
        Assert.False(first.ContainsKey(LastSuccessTimestampSeconds));

        var backup = _ws.Backup(); // ...a backup "by another process" creates it
        var second = Exposition.Parse(await Exposition.ScrapeAsync(exporter.Endpoint!.Url));
        Assert.Equal(1, second[Up]);
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(backup.CompletedAt!.Value), second[LastSuccessTimestampSeconds]);
        Assert.Equal(1, second[Retained]);

        _ws.AddData();
        var next = _ws.Backup();
        var third = Exposition.Parse(await Exposition.ScrapeAsync(exporter.Endpoint!.Url));
        Assert.Equal(BackupMetricsCollector.ToUnixSeconds(next.CompletedAt!.Value), third[LastSuccessTimestampSeconds]);
        Assert.Equal(2, third[Retained]);
        Assert.True(third[RepositorySizeBytes] > second[RepositorySizeBytes]);
    }

    [Fact]
    public async Task An_unreadable_repository_scrapes_as_up_0()
    {
        _ws.Backup();
        var exporter = StartExporter();
        var historyFile = new RunHistory(new BackupRepository(_ws.RepositoryPath).StateDirectory).FilePath;
        File.WriteAllText(historyFile, "not json at all");
        var text = await Exposition.ScrapeAsync(exporter.Endpoint!.Url);
        Assert.Equal(0, Exposition.Parse(text)[Up]);
        Assert.False(exporter.Collector.LastCollection!.RepositoryReadable);
        var (code, output) = Exposition.PromtoolCheck(text);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Promtool_check_metrics_passes_and_only_jamey_metrics_are_exported()
    {
        _ws.Backup();
        var exporter = StartExporter();
        var text = await Exposition.ScrapeAsync(exporter.Endpoint!.Url);

        var (code, output) = Exposition.PromtoolCheck(text);
        Assert.True(code == 0, $"promtool check metrics failed ({code}): {output}\n{text}");
        Assert.Equal("", output.Trim());

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            var name = line.StartsWith("# ") ? line.Split(' ')[2] : line.Split(' ')[0];
            Assert.StartsWith(Prefix, name);
        }
        var published = Exposition.Parse(text).Keys.Order().ToList();
        Assert.Equal(All.Select(x => x.Name).Order().ToList(), published);
        foreach (var (name, help) in All)
        {
            Assert.Contains($"# TYPE {name} gauge\n", text);
            Assert.Contains($"# HELP {name} ", text);
        }
    }

    [Fact]
    public async Task Promtool_also_accepts_the_output_of_a_repository_never_read()
    {
        var exporter = new MetricsExporter(new MetricsExporterOptions(Path.Combine(_ws.Root, "no-such-repo")) { Port = Exposition.FreePort() });
        _started.Add(exporter);
        exporter.Start();
        var text = await Exposition.ScrapeAsync(exporter.Endpoint!.Url);
        var (code, output) = Exposition.PromtoolCheck(text);
        Assert.True(code == 0, $"{output}\n{text}");
        Assert.Equal(0, Exposition.Parse(text)[Up]);
    }

    [Fact]
    public void A_port_held_by_another_listener_is_MetricsPortInUse()
    {
        var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            int port = ((IPEndPoint)holder.LocalEndpoint).Port;
            using var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Port = port });
            var e = Assert.Throws<MetricsPortInUseException>(() => exporter.Start());
            Assert.Equal("MetricsPortInUse", e.ErrorId);
            Assert.Equal(JameyErrorKind.ResourceUnavailable, e.Kind);
            Assert.Equal(port, e.Port);
            Assert.Equal(port, e.Target);
            Assert.Contains($"Port {port} is already in use", e.Message);
            Assert.False(exporter.IsRunning);
        }
        finally { holder.Stop(); }
    }

    [Fact]
    public async Task A_port_held_by_another_exporter_of_this_process_is_MetricsPortInUse()
    {
        var first = StartExporter();
        foreach (var host in new[] { "127.0.0.1", "localhost", "+" })
        {
            using var second = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Host = host, Port = first.Port });
            var e = Assert.Throws<MetricsPortInUseException>(() => second.Start());
            Assert.Equal("MetricsPortInUse", e.ErrorId);
            Assert.Contains(first.Port.ToString(), e.Message);
            Assert.Contains("in this process", e.Message);
        }
        // Refused before the listener was touched: the first endpoint still serves.
        Assert.Contains(Up, await Exposition.ScrapeAsync(first.Endpoint!.Url));
    }

    [Fact]
    public async Task A_foreign_listener_of_this_process_on_the_same_prefix_is_MetricsPortInUse_and_keeps_serving()
    {
        int port = Exposition.FreePort();
        using var foreign = new HttpListener();
        foreign.Prefixes.Add($"http://127.0.0.1:{port}/metrics/");
        foreign.Start();
        using var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Port = port });
        var e = Assert.Throws<MetricsPortInUseException>(() => exporter.Start());
        Assert.Equal(port, e.Port);
        // The failed start must not have unregistered the other listener's prefix.
        var pending = foreign.GetContextAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var request = http.GetAsync($"http://127.0.0.1:{port}/metrics/");
        var context = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        context.Response.StatusCode = 204;
        context.Response.Close();
        Assert.Equal(HttpStatusCode.NoContent, (await request).StatusCode);
    }

    [Fact]
    public async Task Stop_frees_the_port_and_Start_works_again()
    {
        var exporter = StartExporter();
        var url = exporter.Endpoint!.Url;
        exporter.Stop();
        Assert.False(exporter.IsRunning);
        Assert.Null(exporter.Endpoint);
        using (var probe = new TcpListener(IPAddress.Loopback, exporter.Port)) { probe.Start(); probe.Stop(); } // free again
        exporter.Start();
        Assert.Equal(url, exporter.Endpoint!.Url);
        Assert.Contains(Up, await Exposition.ScrapeAsync(url));
        exporter.Stop();
        exporter.Stop(); // idempotent
    }

    [Fact]
    public async Task The_IPv4_wildcard_answers_on_loopback()
    {
        var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Host = "0.0.0.0", Port = Exposition.FreePort() });
        _started.Add(exporter);
        Assert.Equal("+", exporter.Host);
        var endpoint = exporter.Start();
        Assert.Equal("+", endpoint.Host);
        Assert.Equal($"http://127.0.0.1:{exporter.Port}/metrics/", endpoint.Url);
        Assert.Contains(Up, await Exposition.ScrapeAsync(endpoint.Url));
        Assert.Contains(Up, await Exposition.ScrapeAsync($"http://localhost:{exporter.Port}/metrics/"));
    }

    [Theory]
    [InlineData(null, "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData(" localhost ", "localhost")]
    [InlineData("Backup-Host.example", "backup-host.example")]
    [InlineData("+", "+")]
    [InlineData("*", "+")]
    [InlineData("0.0.0.0", "+")]
    [InlineData("192.168.1.20", "192.168.1.20")]
    public void Hosts_are_normalised_for_HttpListener(string? host, string expected) =>
        Assert.Equal(expected, MetricsExporter.NormalizeHost(host));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    [InlineData("::")]
    [InlineData("no such host!")]
    [InlineData("host/path")]
    [InlineData("host:80")]
    public void Hosts_HttpListener_cannot_bind_are_refused_clearly(string host)
    {
        var e = Assert.Throws<MetricsEndpointException>(() => MetricsExporter.NormalizeHost(host));
        Assert.Equal("InvalidMetricsHost", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(host, e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Ports_outside_1_to_65535_are_refused(int port)
    {
        var e = Assert.Throws<MetricsEndpointException>(() => new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Port = port }));
        Assert.Equal("InvalidMetricsPort", e.ErrorId);
    }

    [Fact]
    public void An_address_of_another_machine_is_MetricsAddressUnavailable()
    {
        using var exporter = new MetricsExporter(new MetricsExporterOptions(_ws.RepositoryPath) { Host = "192.0.2.77", Port = Exposition.FreePort() });
        var e = Assert.Throws<MetricsEndpointException>(() => exporter.Start());
        Assert.Equal("MetricsAddressUnavailable", e.ErrorId);
        Assert.Contains("192.0.2.77", e.Message);
    }

    [Fact]
    public void Defaults_are_loopback_and_9469()
    {
        var options = new MetricsExporterOptions("repo");
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(9469, options.Port);
    }
}
