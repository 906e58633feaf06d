using Jamey3.Engine.Progress;

namespace Jamey3.Engine.Tests.Infrastructure;

/// <summary>Collects what an engine reports (from any thread); the one observer engine tests share.</summary>
public sealed class RecordingObserver : IOperationObserver
{
    public List<JameyProgress> Progresses { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<string> Verboses { get; } = [];
    /// <summary>Called after each progress report is recorded, on the reporting thread (to cancel at a point, say).</summary>
    public Action<JameyProgress>? OnProgress { get; init; }

    public void Progress(JameyProgress progress) { lock (Progresses) Progresses.Add(progress); OnProgress?.Invoke(progress); }
    public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
    public void Verbose(string message) { lock (Verboses) Verboses.Add(message); }
}
