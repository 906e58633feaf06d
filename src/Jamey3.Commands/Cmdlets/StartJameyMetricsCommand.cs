using System.Management.Automation;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Jamey3.Engine.Errors;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Metrics;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsLifecycle.Start, "JameyMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JameyMetricsEndpoint))]
public sealed class StartJameyMetricsCommand : JameyCmdlet
{
    [Parameter(Position = 0)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = MetricsExporterOptions.DefaultPort;

    /// <summary>The address to listen on; 127.0.0.1 unless the operator chooses otherwise ('+' for every IPv4 interface).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ListenAddress { get; set; } = MetricsExporterOptions.DefaultHost;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void EndProcessing()
    {
        var repository = ResolveBackupPath(BackupPath);
        try { CheckListenAddress(ListenAddress); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, ListenAddress); return; }
        if (!ShouldProcess($"http://{ListenAddress}:{Port}/metrics for the repository '{repository}'", "Serve Prometheus metrics")) return;
        if (!Directory.Exists(repository))
            WriteWarning($"The repository '{repository}' does not exist yet: jamey_backup_up will be 0 until the first backup creates it.");

        JameyMetricsEndpoint endpoint;
        try
        {
            endpoint = MetricsExporterRegistry.Start(new MetricsExporterOptions(repository)
            {
                Settings = Settings, Host = ListenAddress, Port = Port,
            }).Endpoint!;
        }
        catch (Exception e)
        {
            ThrowEngineError(e, Port);
            return;
        }
        WriteVerbose($"Serving the metrics of '{repository}' at {endpoint.Url}.");
        WriteObject(endpoint);
        if (!Wait) return;

        // Serve until Ctrl+C (StopProcessing), for use as a service; then stop the endpoint.
        WriteVerbose($"Serving {endpoint.Url} until stopped (Ctrl+C).");
        try { Stopping.WaitHandle.WaitOne(); }
        finally { MetricsExporterRegistry.Stop(endpoint.Port); }
    }

    /// <summary>
    /// Refuses, before anything starts, a host that is not this machine's: HttpListener would fail later with only
    /// "The request is not supported." A name is resolved (for at most 2 s) and must give an address of this machine.
    /// </summary>
    static void CheckListenAddress(string address)
    {
        var host = MetricsExporter.NormalizeHost(address); // throws InvalidMetricsHost for empty, IPv6 and malformed hosts
        if (host is "+" or "*") return;
        if (IPAddress.TryParse(host, out var ip))
        {
            if (!IsLocal(ip)) throw NotLocal(address, $"{ip} is not an address of this machine");
            return;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.Equals(Dns.GetHostName(), StringComparison.OrdinalIgnoreCase)) return;
        IPAddress[] addresses;
        try
        {
            var lookup = Dns.GetHostAddressesAsync(host);
            if (!lookup.Wait(TimeSpan.FromSeconds(2))) throw NotLocal(address, "the name did not resolve within 2 s");
            addresses = lookup.Result;
        }
        catch (Exception e) when (e is AggregateException or SocketException)
        {
            throw NotLocal(address, "the name does not resolve to an address");
        }
        if (!addresses.Any(IsLocal))
            throw NotLocal(address, $"it resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, none of which is an address of this machine");
    }

    static bool IsLocal(IPAddress ip) =>
        IPAddress.IsLoopback(ip) ||
        NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Any(u => u.Address.Equals(ip));

    static JameyException NotLocal(string address, string why) =>
        new(JameyErrors.InvalidMetricsHost,
            $"The metrics endpoint cannot listen on '{address}': {why}. Use 127.0.0.1 (the default, this machine only), " +
            "a host name or IPv4 address of this machine, or + for every IPv4 interface.", address);
}
