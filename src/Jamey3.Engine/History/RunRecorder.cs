using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;

namespace Jamey3.Engine.History;

/// <summary>
/// The one writer of run outcomes. An engine creates one when a run starts and calls exactly one of
/// <see cref="Succeeded"/>, <see cref="Failed"/> or <see cref="Finished"/> when it ends. It decides,
/// once for every operation:
/// <list type="bullet">
/// <item>the outcome of a failure, from the exception's kind (<see cref="OutcomeOf"/>): only runs that
/// tried and failed count as failures; a mistyped path, an unknown id, Ctrl+C or a protective refusal
/// are recorded as what they were, and never flip the "last run succeeded" metric;</item>
/// <item>what happens when the history cannot be written: never an exception (the operation's own
/// result or exception is what the caller must see), always a warning through the observer, naming
/// the history file and the cause;</item>
/// <item>that a repository which does not exist is not created just to record a run in it.</item>
/// </list>
/// </summary>
public sealed class RunRecorder
{
    readonly string _repositoryRoot;
    readonly IOperationObserver _observer;
    readonly RunHistory _history;

    public RunRecorder(string repositoryRoot, string stateDirectory, RunOperation operation, IOperationObserver? observer = null,
        DateTimeOffset? startedAt = null)
    {
        _repositoryRoot = repositoryRoot;
        _history = new RunHistory(stateDirectory);
        _observer = observer ?? NullObserver.Instance;
        Operation = operation;
        StartedAt = startedAt ?? DateTimeOffset.UtcNow;
    }

    public RunOperation Operation { get; }
    public DateTimeOffset StartedAt { get; }
    /// <summary>The record written (or that could not be written), once the run has ended.</summary>
    public RunRecord? Recorded { get; private set; }
    /// <summary>Time the last record spent waiting for another process's lock on the history.</summary>
    public TimeSpan LockWait { get; private set; }

    /// <summary>Waits longer than this for the history's lock are reported as a warning.</summary>
    public static readonly TimeSpan NoticeableWait = TimeSpan.FromSeconds(1);

    public void Succeeded(string? backupId, long? sizeBytes, DateTimeOffset? finishedAt = null) =>
        Record(RunOutcome.Succeeded, backupId, sizeBytes, null, finishedAt);

    /// <summary>The run ended with this exception; its kind decides the outcome.</summary>
    public void Failed(Exception e, string? backupId = null, long? sizeBytes = null)
    {
        var outcome = OutcomeOf(e);
        Record(outcome, backupId, sizeBytes, Describe(e));
    }

    /// <summary>
    /// The run ended with these problems (none: it succeeded), as retention does with one per named backup.
    /// It failed if any problem is a failure; otherwise it has the outcome of the first (an unknown id, a refusal).
    /// </summary>
    public void Ended(IReadOnlyList<Exception> problems, string? backupId, long? sizeBytes)
    {
        if (problems.Count == 0) { Succeeded(backupId, sizeBytes); return; }
        var outcomes = problems.Select(OutcomeOf).ToList();
        var outcome = outcomes.Contains(RunOutcome.Failed) ? RunOutcome.Failed : outcomes[0];
        Record(outcome, backupId, sizeBytes, string.Join("; ", problems.Take(3).Select(Describe)));
    }

    /// <summary>The run did its work and found the data good (<paramref name="success"/>) or not (a failed verification).</summary>
    public void Finished(bool success, string? backupId, long? sizeBytes, string? error) =>
        Record(success ? RunOutcome.Succeeded : RunOutcome.Failed, backupId, sizeBytes, success ? null : error);

    public void Record(RunOutcome outcome, string? backupId, long? sizeBytes, string? error, DateTimeOffset? finishedAt = null)
    {
        var run = new RunRecord
        {
            Operation = Operation, StartedAt = StartedAt, FinishedAt = finishedAt ?? DateTimeOffset.UtcNow,
            Outcome = outcome, Success = outcome == RunOutcome.Succeeded,
            BackupId = backupId, SizeBytes = sizeBytes, Error = error,
        };
        Recorded = run;
        if (!Directory.Exists(_repositoryRoot)) return;
        try
        {
            _history.Record(run);
        }
        catch (Exception e)
        {
            // Whatever stops the history being written must not turn a finished backup into an error,
            // nor hide the run's own failure: say it, and let the caller report the run as it ended.
            var cause = JameyFailures.Classify(e);
            _observer.Warning($"The {Describe(outcome)} {Noun(Operation)} could not be recorded in the run history '{_history.FilePath}' " +
                $"({cause.ErrorId}: {cause.Message}); the metrics and alerts do not show it.");
        }
        finally
        {
            LockWait = _history.LastLockWait;
        }
        if (LockWait >= NoticeableWait)
            _observer.Warning($"Recording the {Noun(Operation)} in the run history waited {LockWait.TotalSeconds:0.#} s for another process's lock on '{_history.FilePath}'.");
    }

    /// <summary>
    /// The outcome a run ending with <paramref name="e"/> had. Only failures to do the work are
    /// <see cref="RunOutcome.Failed"/>; requests that were wrong, refused or cancelled are not.
    /// </summary>
    public static RunOutcome OutcomeOf(Exception e) => JameyFailures.Unwrap(e) switch
    {
        OperationCanceledException => RunOutcome.Cancelled,
        JameyException j => OutcomeOf(j.Kind),
        // A file that vanished, a denied write, a full disk: the system stopped work that was under way.
        _ => RunOutcome.Failed,
    };

    static RunOutcome OutcomeOf(JameyErrorKind kind) => kind switch
    {
        JameyErrorKind.OperationStopped => RunOutcome.Cancelled,
        JameyErrorKind.InvalidArgument or JameyErrorKind.InvalidConfiguration or JameyErrorKind.NotFound
            or JameyErrorKind.NotEnabled => RunOutcome.InvalidRequest,
        JameyErrorKind.Busy or JameyErrorKind.Refused => RunOutcome.Refused,
        _ => RunOutcome.Failed,
    };

    static string Describe(Exception e) => OutcomeOf(e) == RunOutcome.Cancelled ? "cancelled" : JameyFailures.Classify(e).Message;

    static string Describe(RunOutcome o) => o switch
    {
        RunOutcome.Succeeded => "successful",
        RunOutcome.Failed => "failed",
        RunOutcome.Refused => "refused",
        RunOutcome.Cancelled => "cancelled",
        _ => "invalid",
    };

    static string Noun(RunOperation op) => op switch
    {
        RunOperation.Backup => "backup",
        RunOperation.Verify => "verification",
        RunOperation.Restore => "restore",
        RunOperation.Copy => "off-site copy",
        _ => "retention run",
    };
}
