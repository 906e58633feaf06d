namespace Jamey3.Engine.Progress;

/// <summary>
/// How an engine operation reports what it is doing. Calls may come from any thread; the
/// PowerShell layer queues them and writes them on the pipeline thread.
/// </summary>
public interface IOperationObserver
{
    void Progress(JameyProgress progress);
    void Warning(string message);
    void Verbose(string message);
}

public sealed class NullObserver : IOperationObserver
{
    public static readonly NullObserver Instance = new();
    public void Progress(JameyProgress progress) { }
    public void Warning(string message) { }
    public void Verbose(string message) { }
}

public static class ToolVersion
{
    public static string Current { get; } =
        typeof(ToolVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
