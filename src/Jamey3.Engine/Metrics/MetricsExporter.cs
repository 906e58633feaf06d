using System.Net;
using System.Net.Sockets;
using Jamey3.Engine.Configuration;
using Prometheus;

namespace Jamey3.Engine.Metrics;

/// <summary>Where and for which repository an exporter listens.</summary>
public sealed record MetricsExporterOptions(string RepositoryPath)
{
    /// <summary>9469: a port of its own, clear of node_exporter (9100) and Prometheus (9090).</summary>
    public const int DefaultPort = 9469;
    /// <summary>This machine only. Other interfaces are an explicit choice.</summary>
    public const string DefaultHost = "127.0.0.1";
    public const string UrlPath = "metrics/";

    public JameySettings Settings { get; init; } = new();
    /// <summary>127.0.0.1, a host name or IPv4 address of this machine, or + (or *, 0.0.0.0) for every IPv4 interface.</summary>
    public string Host { get; init; } = DefaultHost;
    public int Port { get; init; } = DefaultPort;
}

/// <summary>
/// Serves one repository's backup metrics over HTTP at http://HOST:PORT/metrics/ with
/// prometheus-net's HttpListener-based MetricServer (no ASP.NET Core, which pwsh cannot load).
/// Values are read from the repository at each scrape (<see cref="BackupMetricsCollector"/>).
/// Start, Stop and Start again is allowed: each Start makes a new server.
/// </summary>
/// <remarks>
/// HttpListener answers only requests whose Host header matches the bound host: an endpoint on
/// 127.0.0.1 must be scraped as 127.0.0.1:PORT (localhost gets 404), and one on localhost as
/// localhost:PORT. The IPv4 wildcard + accepts any Host header. IPv6 addresses are refused: the
/// managed HttpListener cannot parse them in a prefix.
/// </remarks>
public sealed class MetricsExporter : IDisposable
{
    readonly object _gate = new();
    MetricServer? _server;

    public MetricsExporter(MetricsExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 1 or > 65535) throw MetricsEndpointException.InvalidPort(options.Port);
        Host = NormalizeHost(options.Host);
        Port = options.Port;
        Collector = new BackupMetricsCollector(options.RepositoryPath, options.Settings);
    }

    public string Host { get; }
    public int Port { get; }
    public BackupMetricsCollector Collector { get; }
    public string RepositoryPath => Collector.RepositoryPath;
    /// <summary>The running endpoint; null while stopped.</summary>
    public JameyMetricsEndpoint? Endpoint { get; private set; }
    public bool IsRunning => Endpoint is not null;

    /// <summary>Starts listening; throws <see cref="MetricsPortInUseException"/> when the port is taken.</summary>
    public JameyMetricsEndpoint Start()
    {
        lock (_gate)
        {
            if (Endpoint is { } running) return running;
            // HttpListeners of one process share a socket per address and port, and the runtime removes
            // a prefix without checking which listener registered it: a second listener on a port this
            // process already serves must never be started (nor stopped after failing). Refuse it first.
            lock (PortsInUse)
            {
                if (!PortsInUse.Add(Port)) throw new MetricsPortInUseException(Port, "another Jamey3 metrics endpoint in this process");
            }
            var server = new MetricServer(Host, Port, MetricsExporterOptions.UrlPath, Collector.Registry);
            try
            {
                server.Start();
            }
            catch (HttpListenerException e)
            {
                lock (PortsInUse) PortsInUse.Remove(Port);
                throw Translate(e);
            }
            _server = server;
            var urlHost = Host == "+" ? "127.0.0.1" : Host;
            return Endpoint = new JameyMetricsEndpoint
            {
                Url = $"http://{urlHost}:{Port}/{MetricsExporterOptions.UrlPath}",
                Host = Host,
                Port = Port,
                RepositoryPath = RepositoryPath,
                StartedAt = DateTimeOffset.UtcNow,
            };
        }
    }

    /// <summary>Stops listening and frees the port. Does nothing when stopped.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            var server = _server;
            _server = null;
            Endpoint = null;
            if (server is null) return;
            try
            {
                server.Stop();
                server.Dispose();
            }
            catch (Exception e) when (e is HttpListenerException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // The managed listener closes its socket first, then unregisters again and in doing so binds
                // the port for a moment; if another program took the port meanwhile that fails. Our socket is
                // closed either way.
            }
            finally
            {
                lock (PortsInUse) PortsInUse.Remove(Port);
            }
        }
    }

    static readonly HashSet<int> PortsInUse = [];

    public void Dispose() => Stop();

    Exception Translate(HttpListenerException e)
    {
        int code = e.ErrorCode;
        bool inUse, unavailable, denied;
        if (OperatingSystem.IsWindows())
        {
            // http.sys: sharing violation (another process has the port), already exists (another registration).
            inUse = code is 32 or 183 or (int)SocketError.AddressAlreadyInUse;
            unavailable = code is 1214 or (int)SocketError.AddressNotAvailable; // ERROR_INVALID_NETNAME
            denied = code is 5; // ERROR_ACCESS_DENIED: no URL reservation
        }
        else
        {
            // The managed listener reports errno: EADDRINUSE / EADDRNOTAVAIL / EACCES.
            bool mac = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();
            inUse = code == (mac ? 48 : 98);
            unavailable = code == (mac ? 49 : 99);
            denied = code == 13;
        }
        // The managed listener refuses a prefix another HttpListener of this process already holds.
        if (!inUse && e.Message.Contains("conflicts with an existing registration", StringComparison.OrdinalIgnoreCase))
            return new MetricsPortInUseException(Port, "another listener in this process", e);
        if (inUse) return new MetricsPortInUseException(Port, inner: e);
        if (unavailable) return MetricsEndpointException.AddressUnavailable(Host, Port, e);
        if (denied) return MetricsEndpointException.AccessDenied(Host, Port, e);
        return MetricsEndpointException.StartFailed(Host, Port, e);
    }

    /// <summary>The host as HttpListener wants it; throws InvalidMetricsHost for what it cannot bind.</summary>
    public static string NormalizeHost(string? host)
    {
        if (host is null) return MetricsExporterOptions.DefaultHost;
        var h = host.Trim();
        if (h.Length == 0) throw MetricsEndpointException.InvalidHost(host, "it is empty");
        if (h is "+" or "*" or "0.0.0.0") return "+"; // HttpListener throws on 0.0.0.0; + is the same: every IPv4 interface
        if (h.StartsWith('[') || (h.Contains(':') && IPAddress.TryParse(h, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6))
            throw MetricsEndpointException.InvalidHost(host, "IPv6 addresses are not supported by the HTTP listener");
        return Uri.CheckHostName(h) switch
        {
            UriHostNameType.IPv4 => h,
            UriHostNameType.Dns => h.ToLowerInvariant(),
            _ => throw MetricsEndpointException.InvalidHost(host, "it is not a host name or an IPv4 address"),
        };
    }
}
