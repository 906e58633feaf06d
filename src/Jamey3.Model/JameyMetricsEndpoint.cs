namespace Jamey3;

/// <summary>A running metrics endpoint, as Start-JameyMetrics emits it.</summary>
public sealed class JameyMetricsEndpoint
{
    /// <summary>A URL that scrapes the endpoint from this machine (for host +, through 127.0.0.1).</summary>
    public string Url { get; set; } = "";
    /// <summary>The host it listens on: 127.0.0.1 (default), a name or address of this machine, or + for every IPv4 interface.</summary>
    public string Host { get; set; } = "";
    public int Port { get; set; }
    /// <summary>The backup repository whose health it exports.</summary>
    public string RepositoryPath { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }

    public override string ToString() => Url;
}
