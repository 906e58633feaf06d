using System.Diagnostics;

namespace Jamey3.Engine.Progress;

/// <summary>Turns byte counts from the copy loop into throttled progress reports (X of Y components, bytes).</summary>
public sealed class ByteProgress(IOperationObserver observer, string activity, int itemCount, long bytesTotal)
{
    long _done;
    int _item;
    string _status = "";
    long _lastReport = -1;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public void StartItem(int index, string status)
    {
        _item = index;
        _status = status;
        Report(force: true);
    }

    public void Add(long bytes)
    {
        _done += bytes;
        Report(force: false);
    }

    public void Complete() => observer.Progress(new JameyProgress(activity, "Done", itemCount, itemCount, _done, Math.Max(_done, bytesTotal), Completed: true));

    void Report(bool force)
    {
        long now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastReport < 250) return;
        _lastReport = now;
        observer.Progress(new JameyProgress(activity, _status, _item, itemCount, _done, Math.Max(_done, bytesTotal)));
    }
}
