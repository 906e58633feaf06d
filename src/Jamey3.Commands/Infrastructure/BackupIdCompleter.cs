using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
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
            var path = fakeBoundParameters["BackupPath"] as string;
            if (string.IsNullOrEmpty(path)) path = JameySettings.FromEnvironment().BackupDirectory;
            var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var b in new BackupRepository(path).List().Take(200))
            {
                if (!pattern.IsMatch(b.BackupId)) continue;
                results.Add(new CompletionResult(b.BackupId, b.BackupId, CompletionResultType.ParameterValue,
                    $"{b.BackupId}  {b.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {b.Status}"));
            }
        }
        catch (Exception) when (results.Count == 0)
        {
            // Completion must never throw at the user; no suggestions is the honest answer.
        }
        return results;
    }
}
