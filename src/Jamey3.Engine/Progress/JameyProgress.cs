namespace Jamey3.Engine.Progress;

/// <summary>
/// A progress report from a long engine operation. Reported through IProgress&lt;JameyProgress&gt;,
/// possibly from a worker thread: consumers marshal it to wherever they display it.
/// </summary>
public sealed record JameyProgress(
    string Activity,
    string Status,
    int ItemIndex,
    int ItemCount,
    long BytesDone,
    long BytesTotal,
    bool Completed = false)
{
    public int PercentComplete => BytesTotal > 0
        ? (int)Math.Clamp(BytesDone * 100 / BytesTotal, 0, 100)
        : ItemCount > 0 ? Math.Clamp(ItemIndex * 100 / ItemCount, 0, 100) : 0;
}
