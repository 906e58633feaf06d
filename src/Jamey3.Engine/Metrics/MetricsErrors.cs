using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Metrics;

/// <summary>The port asked for is taken, by another program or by an exporter already running in this process.</summary>
public sealed class MetricsPortInUseException(int port, string? holder = null, Exception? inner = null)
    : JameyException(JameyErrors.MetricsPortInUse,
        $"Port {port} is already in use{(holder is null ? "" : $" by {holder}")}, so the metrics endpoint cannot listen on it. " +
        $"Choose another port with -Port, or stop what listens on port {port}.", port, inner)
{
    public int Port { get; } = port;
}

/// <summary>Any other failure to start or find a metrics endpoint; ErrorId says which.</summary>
public sealed class MetricsEndpointException(JameyError error, string message, object? target = null, Exception? inner = null)
    : JameyException(error, message, target, inner)
{
    internal static MetricsEndpointException InvalidHost(string host, string why) =>
        new(JameyErrors.InvalidMetricsHost,
            $"'{host}' cannot be the metrics endpoint's host: {why}. Use 127.0.0.1 (the default, this machine only), " +
            "a host name or IPv4 address of this machine, or + for every IPv4 interface.", host);

    internal static MetricsEndpointException InvalidPort(int port) =>
        new(JameyErrors.InvalidMetricsPort, $"Port {port} is not a TCP port: use 1 to 65535.", port);

    internal static MetricsEndpointException AddressUnavailable(string host, int port, Exception inner) =>
        new(JameyErrors.MetricsAddressUnavailable,
            $"Cannot listen on {host}:{port}: '{host}' is not an address of this machine ({inner.Message}).", host, inner);

    internal static MetricsEndpointException AccessDenied(string host, int port, Exception inner) =>
        new(JameyErrors.MetricsAccessDenied,
            $"Not allowed to listen on {host}:{port} ({inner.Message}). On Windows, listening on anything but localhost needs a URL " +
            $"reservation made by an administrator (netsh http add urlacl url=http://{host}:{port}/metrics/ user=<account>).", host, inner);

    internal static MetricsEndpointException StartFailed(string host, int port, Exception inner) =>
        new(JameyErrors.MetricsStartFailed,
            $"The metrics endpoint could not start on {host}:{port}: {inner.Message}", host, inner);

    internal static MetricsEndpointException NotRunning(int port) =>
        new(JameyErrors.MetricsExporterNotFound, $"No Jamey3 metrics endpoint is running on port {port} in this process.", port);
}
