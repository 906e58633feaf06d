using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Stores;

/// <summary>
/// Base of every object-store failure. Names the location (never with a credential) and the key;
/// <see cref="ToString"/> scrubs the credential's secrets from the whole chain, inner SDK exceptions
/// included, so a log or an ErrorRecord that prints it leaks nothing.
/// </summary>
public class ObjectStoreException : JameyException
{
    readonly string[] _secrets;

    public ObjectStoreException(JameyError error, StoreLocation location, string? key, string message,
        Exception? inner = null, IEnumerable<string>? secrets = null)
        : base(error, Secrets.Scrub(message, secrets), key is null ? location.ToString() : $"{location}/{key}", inner)
    {
        Location = location;
        Key = key;
        _secrets = secrets?.Where(s => !string.IsNullOrEmpty(s)).ToArray() ?? [];
    }

    /// <summary>The store, as the user wrote it minus any secret.</summary>
    public StoreLocation Location { get; }
    /// <summary>The object's key, when the failure is about one object.</summary>
    public string? Key { get; }

    public override string ToString() => Secrets.Scrub(base.ToString(), _secrets);
}

public sealed class ObjectStoreLocationException(string redactedText, string reason)
    : JameyException(JameyErrors.ObjectStoreLocationInvalid,
        $"'{redactedText}' is not a repository location: {reason} Use a local path, azure://<account>/<container>/<prefix>, s3://<bucket>/<prefix> or sftp://<user>@<host>[:<port>]/<path>.",
        redactedText);

public sealed class ObjectKeyException(string key, string reason)
    : JameyException(JameyErrors.ObjectKeyInvalid, $"'{key}' is not a valid object key: {reason}", key);

public sealed class ObjectStoreCredentialException(StoreLocation location, string message)
    : ObjectStoreException(JameyErrors.ObjectStoreCredentialMissing, location, null, message);

public sealed class ObjectNotFoundException(StoreLocation location, string key, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectNotFound, location, key, $"No object '{key}' in '{location}'.", inner, secrets);

public sealed class ObjectAlreadyExistsException(StoreLocation location, string key, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectAlreadyExists, location, key,
        $"The object '{key}' already exists in '{location}' and is never replaced.", inner, secrets);

public sealed class ObjectIntegrityException(StoreLocation location, string key, string reason, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectIntegrityMismatch, location, key,
        $"The object '{key}' in '{location}' failed its integrity check: {reason}", inner, secrets);

public sealed class ObjectRangeException(StoreLocation location, string key, ByteRange range, long size)
    : ObjectStoreException(JameyErrors.ObjectRangeInvalid, location, key,
        $"The range {range.Offset}+{(range.Length?.ToString() ?? "end")} lies outside the object '{key}' ({size} bytes) in '{location}'.");

public sealed class ObjectStoreNotFoundException(StoreLocation location, string what, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectStoreNotFound, location, null, $"The {what} of '{location}' does not exist.", inner, secrets);

public sealed class ObjectStoreAccessDeniedException(StoreLocation location, string? key, string reason, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectStoreAccessDenied, location, key,
        $"Access to '{location}{(key is null ? "" : "/" + key)}' was refused: {reason} Check the credential and its permissions.", inner, secrets);

public sealed class ObjectStoreUnavailableException(StoreLocation location, string? key, string reason, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectStoreUnavailable, location, key,
        $"'{location}' could not be reached{(key is null ? "" : $" for '{key}'")}: {reason}", inner, secrets);

public sealed class ObjectStoreRequestException(StoreLocation location, string? key, string reason, Exception? inner = null, IEnumerable<string>? secrets = null)
    : ObjectStoreException(JameyErrors.ObjectStoreRequestFailed, location, key,
        $"'{location}' refused a request{(key is null ? "" : $" for '{key}'")}: {reason}", inner, secrets);

/// <summary>Replaces known secret strings in text, so messages and traces can be shown safely.</summary>
internal static class Secrets
{
    public const string Mask = "***";

    public static string Scrub(string text, IEnumerable<string>? secrets)
    {
        if (secrets is null) return text;
        // Longest first: a connection string contains its account key.
        foreach (var s in secrets.Where(s => s is { Length: >= 4 }).OrderByDescending(s => s.Length))
            text = text.Replace(s, Mask, StringComparison.Ordinal);
        return text;
    }
}
