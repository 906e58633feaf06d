using Jamey3.Engine.Metrics;

namespace Jamey3.Engine.Tests.Metrics;

// The only tests that use the process-wide registry: StopAll must not stop another class's exporters.
public sealed class MetricsExporterRegistryTests : IDisposable
{
    readonly MetricsWorkspace _ws = new();

    public void Dispose()
    {
        MetricsExporterRegistry.StopAll();
        _ws.Dispose();
    }

    [Fact]
    public async Task Start_list_stop_by_port_and_stop_all()
    {
        int p1 = Exposition.FreePort(), p2 = Exposition.FreePort();
        var a = MetricsExporterRegistry.Start(new MetricsExporterOptions(_ws.RepositoryPath) { Port = p1 });
        var b = MetricsExporterRegistry.Start(new MetricsExporterOptions(_ws.RepositoryPath) { Port = p2 });
        Assert.Same(a, MetricsExporterRegistry.Get(p1));
        Assert.Equal(new[] { p1, p2 }.Order(), MetricsExporterRegistry.List().Select(e => e.Port));
        Assert.Contains(BackupMetricNames.Up, await Exposition.ScrapeAsync(b.Endpoint!.Url));

        var dup = Assert.Throws<MetricsPortInUseException>(() => MetricsExporterRegistry.Start(new MetricsExporterOptions(_ws.RepositoryPath) { Port = p1 }));
        Assert.Contains("in this process", dup.Message);
        Assert.True(a.IsRunning);

        var stopped = MetricsExporterRegistry.Stop(p1);
        Assert.Equal(p1, stopped.Port);
        Assert.False(a.IsRunning);
        Assert.Null(MetricsExporterRegistry.Get(p1));
        var missing = Assert.Throws<MetricsEndpointException>(() => MetricsExporterRegistry.Stop(p1));
        Assert.Equal("MetricsExporterNotFound", missing.ErrorId);

        var all = MetricsExporterRegistry.StopAll();
        Assert.Equal([p2], all.Select(e => e.Port));
        Assert.False(b.IsRunning);
        Assert.Empty(MetricsExporterRegistry.List());
        Assert.Empty(MetricsExporterRegistry.StopAll());
    }

    [Fact]
    public void A_failed_start_is_not_registered()
    {
        var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
            Assert.Throws<MetricsPortInUseException>(() => MetricsExporterRegistry.Start(new MetricsExporterOptions(_ws.RepositoryPath) { Port = port }));
            Assert.Null(MetricsExporterRegistry.Get(port));
        }
        finally { holder.Stop(); }
    }
}
