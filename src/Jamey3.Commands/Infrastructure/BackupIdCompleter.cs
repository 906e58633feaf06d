using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using Jamey3.Engine.Configuration;
using Jamey3.Engine.Repository;

namespace Jamey3.Commands.Infrastructure;

/// <summary>Completes -BackupId from the repository named by -BackupPath (or the configured default), newest first.</summary>
public sealed class BackupIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var path = fakeBoundParameters["BackupPath"] as string ?? fakeBoundParameters["RepositoryPath"] as string;
            if (string.IsNullOrEmpty(path)) path = JameySettings.FromEnvironment().BackupDirectory;
            var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var b in new BackupRepository(ResolveInSession(path)).List().Take(200))
            {
                if (!pattern.IsMatch(b.BackupId)) continue;
                results.Add(new CompletionResult(b.BackupId, b.BackupId, CompletionResultType.ParameterValue,
                    $"{b.BackupId}  {b.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {b.Status}"));
            }
        }
        catch (Exception)
        {
            // Completion must never throw at the user: what was found before the failure (perhaps nothing) is the honest answer.
        }
        return results;
    }

    /// <summary>
    /// A relative or ~ path as the session means it: against the session's current location (Set-Location), which the
    /// process directory does not follow. Without a session (a completer called from elsewhere) the path is left as is.
    /// </summary>
    internal static string ResolveInSession(string path)
    {
        // A completer runs on the pipeline thread while the completion pipeline runs: the runspace's SessionStateProxy
        // refuses calls then ("a pipeline is already running"), but a nested pipeline on the current runspace may read it.
        if (Runspace.DefaultRunspace is null) return path;
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").AddArgument(path);
        var resolved = ps.Invoke<string>();
        return resolved.Count == 1 && !string.IsNullOrEmpty(resolved[0]) ? resolved[0] : path;
    }
}
