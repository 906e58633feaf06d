using System.Collections.Concurrent;

namespace Jamey3.Engine.Progress;

/// <summary>One message from an operation running on a worker thread.</summary>
public sealed record OperationEvent(JameyProgress? Progress = null, string? Warning = null, string? Verbose = null, object? Output = null);

/// <summary>
/// Collects an operation's reports from any thread so one consumer thread (PowerShell's pipeline
/// thread, which alone may call Write*) can drain them while the operation runs.
/// </summary>
public sealed class QueuedObserver : IOperationObserver, IDisposable
{
    readonly BlockingCollection<OperationEvent> _events = new();

    public void Progress(JameyProgress progress) => TryAdd(new OperationEvent(Progress: progress));
    public void Warning(string message) => TryAdd(new OperationEvent(Warning: message));
    public void Verbose(string message) => TryAdd(new OperationEvent(Verbose: message));
    /// <summary>An object the operation produced, to be emitted in order with its other reports.</summary>
    public void Output(object item) => TryAdd(new OperationEvent(Output: item));

    /// <summary>Runs <paramref name="work"/> on a worker thread and yields its reports on the caller's thread until it ends; then returns or rethrows its outcome.</summary>
    public T Run<T>(Func<IOperationObserver, T> work, Action<OperationEvent> onEvent)
    {
        var task = Task.Run(() =>
        {
            try { return work(this); }
            finally { _events.CompleteAdding(); }
        });
        try
        {
            foreach (var e in _events.GetConsumingEnumerable()) onEvent(e);
        }
        catch
        {
            // The consumer is going away (the pipeline was stopped): give the cancelled operation
            // a moment to clean up its staging before the exception unwinds the caller.
            try { task.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            throw;
        }
        return task.GetAwaiter().GetResult();
    }

    void TryAdd(OperationEvent e)
    {
        try { _events.Add(e); }
        catch (InvalidOperationException) { } // completed: a late report after the operation ended is dropped
    }

    public void Dispose() => _events.Dispose();
}
