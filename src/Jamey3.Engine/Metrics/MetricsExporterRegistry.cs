namespace Jamey3.Engine.Metrics;

/// <summary>
/// The metrics endpoints running in this process, one per port, so Stop-JameyMetrics can stop one
/// by port or all of them. Thread-safe.
/// </summary>
public static class MetricsExporterRegistry
{
    static readonly object Gate = new();
    static readonly SortedDictionary<int, MetricsExporter> Running = [];

    /// <summary>
    /// Starts an exporter and remembers it. Throws <see cref="MetricsPortInUseException"/> when this
    /// process already runs one on that port, or another program holds it.
    /// </summary>
    public static MetricsExporter Start(MetricsExporterOptions options)
    {
        var exporter = new MetricsExporter(options); // validates host and port before anything is bound
        lock (Gate)
        {
            if (Running.TryGetValue(exporter.Port, out var existing))
                throw new MetricsPortInUseException(exporter.Port, $"the Jamey3 metrics endpoint of '{existing.RepositoryPath}' in this process");
            exporter.Start();
            Running[exporter.Port] = exporter;
            return exporter;
        }
    }

    /// <summary>The running exporters, by port.</summary>
    public static IReadOnlyList<MetricsExporter> List()
    {
        lock (Gate) return Running.Values.ToList();
    }

    public static MetricsExporter? Get(int port)
    {
        lock (Gate) return Running.GetValueOrDefault(port);
    }

    /// <summary>Stops the exporter on a port and returns what it was; throws MetricsExporterNotFound when none runs there.</summary>
    public static JameyMetricsEndpoint Stop(int port)
    {
        MetricsExporter exporter;
        lock (Gate)
        {
            if (!Running.Remove(port, out exporter!)) throw MetricsEndpointException.NotRunning(port);
        }
        var endpoint = exporter.Endpoint;
        exporter.Stop();
        return endpoint ?? Describe(exporter);
    }

    /// <summary>Stops every exporter of this process; returns what they were (empty when none ran).</summary>
    public static IReadOnlyList<JameyMetricsEndpoint> StopAll()
    {
        List<MetricsExporter> all;
        lock (Gate)
        {
            all = Running.Values.ToList();
            Running.Clear();
        }
        var stopped = new List<JameyMetricsEndpoint>();
        foreach (var exporter in all)
        {
            var endpoint = exporter.Endpoint;
            exporter.Stop();
            stopped.Add(endpoint ?? Describe(exporter));
        }
        return stopped;
    }

    static JameyMetricsEndpoint Describe(MetricsExporter e) => new()
    {
        Host = e.Host, Port = e.Port, RepositoryPath = e.RepositoryPath,
        Url = $"http://{(e.Host == "+" ? "127.0.0.1" : e.Host)}:{e.Port}/{MetricsExporterOptions.UrlPath}",
    };
}
