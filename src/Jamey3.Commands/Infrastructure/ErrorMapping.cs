using System.Management.Automation;
using Jamey3.Engine.Errors;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// The one place engine failures become ErrorRecords: a stable id from the catalogue
/// (<see cref="JameyErrors"/>), the category of its kind, the thing that is wrong. Anything that
/// is not a JameyException is classified first (<see cref="JameyFailures"/>): an
/// AggregateException from parallel work reports its real cause, a full disk is DiskFull.
/// </summary>
internal static class ErrorMapping
{
    public static ErrorRecord ToErrorRecord(Exception e, object? target = null)
    {
        var j = JameyFailures.Classify(e);
        return new ErrorRecord(j, j.ErrorId, Category(j.Kind), j.Target ?? target);
    }

    /// <summary>An error the cmdlet itself detects, with an id of the catalogue.</summary>
    public static ErrorRecord Create(JameyError error, string message, object? target) =>
        ToErrorRecord(new JameyException(error, message, target));

    /// <summary>The category of a kind, as the catalogue names it (JameyErrors.CategoryName; a Pester test checks every name parses).</summary>
    public static ErrorCategory Category(JameyErrorKind kind) =>
        Enum.TryParse<ErrorCategory>(JameyErrors.CategoryName(kind), out var category) ? category : ErrorCategory.NotSpecified;
}
