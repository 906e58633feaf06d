using System.Management.Automation;
using Jamey3.Engine.Errors;

namespace Jamey3.Commands.Infrastructure;

/// <summary>The one place engine failures become ErrorRecords: a stable id, the right category, the thing that is wrong.</summary>
internal static class ErrorMapping
{
    public static ErrorRecord ToErrorRecord(Exception e, object? target = null) => e switch
    {
        JameyException j => new ErrorRecord(j, j.ErrorId, Category(j.Kind), j.Target ?? target),
        OperationCanceledException => new ErrorRecord(e, "OperationCancelled", ErrorCategory.OperationStopped, target),
        UnauthorizedAccessException => new ErrorRecord(e, "AccessDenied", ErrorCategory.PermissionDenied, target),
        DirectoryNotFoundException or FileNotFoundException => new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, target),
        IOException => new ErrorRecord(e, "IOFailure", ErrorCategory.WriteError, target),
        _ => new ErrorRecord(e, "UnexpectedError", ErrorCategory.NotSpecified, target),
    };

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new InvalidOperationException(message), errorId, category, target);

    static ErrorCategory Category(JameyErrorKind kind) => kind switch
    {
        JameyErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        JameyErrorKind.InvalidConfiguration => ErrorCategory.InvalidArgument,
        JameyErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        JameyErrorKind.Busy => ErrorCategory.ResourceBusy,
        JameyErrorKind.InvalidData => ErrorCategory.InvalidData,
        JameyErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        JameyErrorKind.WriteFailed => ErrorCategory.WriteError,
        JameyErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        JameyErrorKind.NotEnabled => ErrorCategory.NotEnabled,
        JameyErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        _ => ErrorCategory.NotSpecified,
    };
}
