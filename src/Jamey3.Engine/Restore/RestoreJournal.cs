using System.Text.Json;
using System.Text.Json.Serialization;
using Jamey3.Engine.Data;
using Jamey3.Engine.IO;

namespace Jamey3.Engine.Restore;

/// <summary>Where a restore operation is. Only moves forward: Preparing → Staged → Committed, or → RollingBack → RolledBack.</summary>
public enum RestoreJournalState
{
    /// <summary>New data is being extracted and checked in new/. Nothing in the destination has been touched.</summary>
    Preparing,
    /// <summary>Every new component is complete, verified and flushed in new/. From here the restore rolls forward.</summary>
    Staged,
    /// <summary>The swap failed inside the process and is being undone. From here the restore rolls back.</summary>
    RollingBack,
    /// <summary>Every component is swapped in. rollback/ holds the replaced data (unless it was discarded).</summary>
    Committed,
    /// <summary>Undone: the destination holds what it held before.</summary>
    RolledBack,
}

/// <summary>
/// journal.json of one restore operation (&lt;destination&gt;/.jamey3-restore/&lt;operation id&gt;/journal.json),
/// always replaced atomically. It records the plan and the state; which rename of a component's swap
/// has happened is read back from the file system (see <see cref="ComponentSwapper"/>), because a crash
/// can fall between a rename and any journal update.
/// </summary>
public sealed class RestoreJournal
{
    public const string FileName = "journal.json";
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;
    public string OperationId { get; set; } = "";
    public string BackupId { get; set; } = "";
    public DateTimeOffset BackupTimestamp { get; set; }
    public string RepositoryPath { get; set; } = "";
    /// <summary>Informational: recovery always uses the folder the journal is found in, never this string.</summary>
    public string Destination { get; set; } = "";
    public RestoreJournalState State { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string Host { get; set; } = Environment.MachineName;
    public int ProcessId { get; set; } = Environment.ProcessId;
    /// <summary>False: rollback/ is deleted once the restore is committed.</summary>
    public bool KeepRollback { get; set; } = true;
    public List<Entry> Components { get; set; } = [];

    public sealed class Entry
    {
        public JameyComponent Component { get; set; }
        /// <summary>Informational; recovery derives paths from <see cref="Component"/> through DataLayout only.</summary>
        public string Path { get; set; } = "";
        /// <summary>Whether the destination held this component when the restore was planned.</summary>
        public bool HadOld { get; set; }
    }

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public void Save(string operationDirectory)
    {
        UpdatedAt = DateTimeOffset.UtcNow;
        Durability.WriteFileAtomically(System.IO.Path.Combine(operationDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
    }

    /// <summary>Reads a journal; null when there is none. Throws InvalidDataException when it is unreadable or names unknown components.</summary>
    public static RestoreJournal? TryLoad(string operationDirectory)
    {
        var path = System.IO.Path.Combine(operationDirectory, FileName);
        if (!File.Exists(path)) return null;
        RestoreJournal? j;
        try { j = JsonSerializer.Deserialize<RestoreJournal>(File.ReadAllBytes(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"The restore journal '{path}' is not valid JSON: {e.Message}", e); }
        if (j is null || j.Format < 1 || j.Format > CurrentFormat)
            throw new InvalidDataException($"The restore journal '{path}' is empty or of a format this version does not read.");
        if (j.Components.Any(c => !Enum.IsDefined(c.Component)) || j.Components.Select(c => c.Component).Distinct().Count() != j.Components.Count)
            throw new InvalidDataException($"The restore journal '{path}' names an unknown or repeated component.");
        foreach (var c in j.Components) c.Path = DataLayout.RelativePath(c.Component);
        return j;
    }
}
