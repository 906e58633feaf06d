using System.Text.RegularExpressions;

namespace Jamey3.Engine.Errors;

/// <summary>
/// Turns any failure into the <see cref="JameyException"/> to report: the one place that unwraps
/// parallel work's AggregateException to its real cause and gives the system's well-known
/// failures (full disk, read-only file system, access denied, missing path) their own ids, naming
/// the path the system named. The cmdlets' ErrorMapping and the run history both use it.
/// </summary>
public static partial class JameyFailures
{
    /// <summary>The exception itself when it is a JameyException; otherwise one carrying a catalogue id, with the cause as inner exception.</summary>
    public static JameyException Classify(Exception e)
    {
        var cause = Unwrap(e);
        if (cause is JameyException j) return j;
        var path = PathIn(cause.Message);
        return cause switch
        {
            OperationCanceledException => new JameyException(JameyErrors.OperationCancelled, "The operation was cancelled.", null, cause),
            IOException io when IsDiskFull(io) => new JameyException(JameyErrors.DiskFull,
                $"No space left on the file system of '{path ?? "(unknown path)"}'. Free some space there (or choose another folder), then try again. ({cause.Message})",
                path, cause),
            IOException io when IsReadOnlyFileSystem(io) => new JameyException(JameyErrors.ReadOnlyFileSystem,
                $"'{path ?? "(unknown path)"}' is on a read-only file system, so nothing can be written there. ({cause.Message})", path, cause),
            UnauthorizedAccessException => new JameyException(JameyErrors.AccessDenied, cause.Message, path, cause),
            DirectoryNotFoundException or FileNotFoundException => new JameyException(JameyErrors.PathNotFound, cause.Message, path, cause),
            IOException => new JameyException(JameyErrors.IOFailure, cause.Message, path, cause),
            _ => new JameyException(JameyErrors.UnexpectedError, $"{cause.GetType().Name}: {cause.Message}", path, cause),
        };
    }

    /// <summary>
    /// The real cause behind wrappers: an AggregateException (Parallel.For, tasks) gives its first
    /// failure that is not a cancellation, since a cancellation is usually the echo of that failure.
    /// </summary>
    public static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: > 0 } a:
                    var inner = a.Flatten().InnerExceptions;
                    e = inner.FirstOrDefault(x => x is not OperationCanceledException) ?? inner[0];
                    continue;
                case System.Reflection.TargetInvocationException { InnerException: { } t }:
                    e = t;
                    continue;
                default:
                    return e;
            }
        }
    }

    /// <summary>ENOSPC/EDQUOT on Unix (.NET puts errno in HResult there); ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException e) => OperatingSystem.IsWindows()
        ? (e.HResult & 0xFFFF) is 112 or 39
        : e.HResult == 28 || e.HResult == (OperatingSystem.IsLinux() ? 122 : 69);

    /// <summary>EROFS on Unix (30 on Linux and macOS); ERROR_WRITE_PROTECT on Windows.</summary>
    public static bool IsReadOnlyFileSystem(IOException e) => OperatingSystem.IsWindows()
        ? (e.HResult & 0xFFFF) == 19
        : e.HResult == 30;

    /// <summary>
    /// Another handle holds the file locked (the only failure a lock may wait out): EWOULDBLOCK from flock on
    /// Unix (11 on Linux, 35 on macOS), a sharing or lock violation on Windows.
    /// </summary>
    public static bool IsSharingViolation(IOException e) => OperatingSystem.IsWindows()
        ? (e.HResult & 0xFFFF) is 32 or 33
        : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    /// <summary>The path .NET quotes at the end of its IO messages ("… : '/path'", "… the path '/path' …"), if any.</summary>
    internal static string? PathIn(string message)
    {
        var matches = QuotedPath().Matches(message);
        return matches.Count == 0 ? null : matches[^1].Groups[1].Value;
    }

    [GeneratedRegex(@"'((?:/|[A-Za-z]:\\|\\\\)[^']*)'")]
    private static partial Regex QuotedPath();
}
