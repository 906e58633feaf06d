using System.Text;
using System.Text.RegularExpressions;

namespace Jamey3.Engine.Stores;

public enum StoreKind { Local, Azure, S3, Sftp }

/// <summary>
/// Where a repository lives: a local folder or a URL. Parsing refuses anything that would carry a
/// secret (a password in the URL, a SAS token in a query string) so that a location can always be
/// shown, logged and written to a schedule; credentials travel separately (<see cref="StoreCredential"/>).
/// </summary>
public sealed partial class StoreLocation : IEquatable<StoreLocation>
{
    StoreLocation(StoreKind kind, string? account, string? container, string prefix, string? host, int port, string? user, string? path)
    {
        Kind = kind; Account = account; Container = container; Prefix = prefix; Host = host; Port = port; User = user; Path = path;
    }

    public StoreKind Kind { get; }
    /// <summary>Azure: the storage account.</summary>
    public string? Account { get; }
    /// <summary>Azure: the container; S3: the bucket.</summary>
    public string? Container { get; }
    /// <summary>Azure, S3: the key prefix under which the repository lives, without leading or trailing '/' ("" for the root).</summary>
    public string Prefix { get; }
    /// <summary>SFTP: host name or address.</summary>
    public string? Host { get; }
    /// <summary>SFTP: TCP port (22 unless given).</summary>
    public int Port { get; }
    /// <summary>SFTP: user name (not a secret).</summary>
    public string? User { get; }
    /// <summary>Local: the full path of the folder; SFTP: the remote folder's path.</summary>
    public string? Path { get; }

    public bool IsRemote => Kind != StoreKind.Local;

    /// <summary>True when the text names a URL scheme (scheme://), i.e. is meant as a remote location.</summary>
    public static bool LooksLikeUrl(string text) => SchemeRegex().IsMatch(text);

    public static StoreLocation Local(string path) =>
        new(StoreKind.Local, null, null, "", null, 0, null, System.IO.Path.GetFullPath(path));

    /// <summary>Parses a local path (made absolute against the current directory; cmdlets resolve provider paths first) or a URL.</summary>
    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text)) throw new ObjectStoreLocationException(text, "it is empty.");
        var m = SchemeRegex().Match(text);
        if (!m.Success) return Local(text);

        var scheme = m.Groups[1].Value.ToLowerInvariant();
        var rest = text[m.Length..];
        var redacted = Redact(text);
        if (text.Any(char.IsControl)) throw new ObjectStoreLocationException(redacted, "it contains control characters.");
        if (rest.IndexOfAny(['?', '#']) >= 0)
            throw new ObjectStoreLocationException(redacted, "a query string or fragment is not allowed (a SAS token or other secret belongs in a credential, never in the location).");

        // Authority: [user[:password]@]host[:port]
        int slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var pathPart = slash < 0 ? "" : rest[(slash + 1)..];
        string? user = null;
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            user = authority[..at];
            authority = authority[(at + 1)..];
            if (user.Contains(':')) throw new ObjectStoreLocationException(redacted, "a password is not allowed in the location; pass it as a credential.");
        }

        switch (scheme)
        {
            case "azure":
            {
                if (user is not null) throw new ObjectStoreLocationException(redacted, "azure:// takes no user name; pass a credential.");
                if (!AzureAccountRegex().IsMatch(authority)) throw new ObjectStoreLocationException(redacted, $"'{authority}' is not an Azure storage account name (3-24 lower-case letters and digits).");
                var (container, prefix) = SplitFirst(pathPart);
                if (!AzureContainerRegex().IsMatch(container) || container.Contains("--"))
                    throw new ObjectStoreLocationException(redacted, $"'{container}' is not an Azure container name (3-63 lower-case letters, digits and single hyphens).");
                return new(StoreKind.Azure, authority, container, NormalizePrefix(prefix, redacted), null, 0, null, null);
            }
            case "s3":
            {
                if (user is not null) throw new ObjectStoreLocationException(redacted, "s3:// takes no user name; pass a credential.");
                if (!S3BucketRegex().IsMatch(authority) || authority.Contains(".."))
                    throw new ObjectStoreLocationException(redacted, $"'{authority}' is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens).");
                return new(StoreKind.S3, null, authority, NormalizePrefix(pathPart, redacted), null, 0, null, null);
            }
            case "sftp":
            {
                int port = 22;
                var host = authority;
                int colon = authority.LastIndexOf(':');
                if (colon >= 0 && !authority.EndsWith(']'))
                {
                    host = authority[..colon];
                    if (!int.TryParse(authority[(colon + 1)..], out port) || port is < 1 or > 65535)
                        throw new ObjectStoreLocationException(redacted, $"'{authority[(colon + 1)..]}' is not a TCP port.");
                }
                host = host.Trim('[', ']');
                if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
                    throw new ObjectStoreLocationException(redacted, $"'{host}' is not a host name.");
                if (user is { Length: 0 }) throw new ObjectStoreLocationException(redacted, "the user name is empty.");
                var path = "/" + NormalizePrefix(Uri.UnescapeDataString(pathPart), redacted, allowDots: true);
                return new(StoreKind.Sftp, null, null, "", host, port, user is null ? null : Uri.UnescapeDataString(user), path);
            }
            default:
                throw new ObjectStoreLocationException(redacted, $"the scheme '{scheme}://' is not supported.");
        }
    }

    /// <summary>The location as a user writes it, with no secret (there can be none: parsing refuses them).</summary>
    public override string ToString() => Kind switch
    {
        StoreKind.Local => Path!,
        StoreKind.Azure => $"azure://{Account}/{Container}{(Prefix.Length > 0 ? "/" + Prefix : "")}",
        StoreKind.S3 => $"s3://{Container}{(Prefix.Length > 0 ? "/" + Prefix : "")}",
        StoreKind.Sftp => $"sftp://{(User is null ? "" : User + "@")}{(Host!.Contains(':') ? $"[{Host}]" : Host)}{(Port == 22 ? "" : ":" + Port)}{Path}",
        _ => Kind.ToString(),
    };

    public bool Equals(StoreLocation? other) => other is not null && other.ToString() == ToString();
    public override bool Equals(object? obj) => Equals(obj as StoreLocation);
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>
    /// The text with anything that may be a secret removed: the password of user:password@, and every query
    /// string or fragment. Used in every message about a location that did not parse.
    /// </summary>
    public static string Redact(string text)
    {
        var m = SchemeRegex().Match(text);
        if (!m.Success) return text;
        var sb = new StringBuilder(text[..m.Length]);
        var rest = text[m.Length..];
        int cut = rest.IndexOfAny(['?', '#']);
        bool hadQuery = cut >= 0;
        if (hadQuery) rest = rest[..cut];
        int slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            int colon = userInfo.IndexOf(':');
            if (colon >= 0) rest = userInfo[..colon] + ":" + Secrets.Mask + rest[at..];
        }
        sb.Append(rest);
        if (hadQuery) sb.Append("?" + Secrets.Mask);
        return sb.ToString();
    }

    static (string Head, string Tail) SplitFirst(string path)
    {
        int i = path.IndexOf('/');
        return i < 0 ? (path, "") : (path[..i], path[(i + 1)..]);
    }

    static string NormalizePrefix(string prefix, string redacted, bool allowDots = false)
    {
        var trimmed = prefix.Trim('/');
        if (trimmed.Length == 0) return "";
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0) throw new ObjectStoreLocationException(redacted, "the path has an empty segment ('//').");
            if (segment is "." or "..") throw new ObjectStoreLocationException(redacted, "the path may not contain '.' or '..' segments.");
            if (!allowDots && segment.StartsWith('.')) throw new ObjectStoreLocationException(redacted, $"the path segment '{segment}' starts with '.', which is reserved for temporary objects.");
            if (segment.Contains('\\')) throw new ObjectStoreLocationException(redacted, "the path may not contain '\\'.");
        }
        return trimmed;
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex SchemeRegex();
    [GeneratedRegex(@"^[a-z0-9]{3,24}$")]
    private static partial Regex AzureAccountRegex();
    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")]
    private static partial Regex AzureContainerRegex();
    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex S3BucketRegex();
}

/// <summary>Object keys: relative, '/'-separated names that mean the same thing on every store.</summary>
public static class ObjectKey
{
    /// <summary>S3's and Azure's limit on a whole name, less room for a repository prefix.</summary>
    public const int MaxUtf8Bytes = 768;

    /// <summary>Throws <see cref="ObjectKeyException"/> unless <paramref name="key"/> is a safe key.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw new ObjectKeyException(key, "it is empty.");
        if (Encoding.UTF8.GetByteCount(key) > MaxUtf8Bytes) throw new ObjectKeyException(key, $"it is longer than {MaxUtf8Bytes} bytes.");
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0) throw new ObjectKeyException(key, "it has an empty segment (a leading, trailing or doubled '/').");
            // '.'-names are the local and SFTP stores' temporary files; '.' and '..' would escape a folder.
            if (segment.StartsWith('.')) throw new ObjectKeyException(key, $"the segment '{segment}' starts with '.'.");
        }
        foreach (var c in key)
        {
            if (char.IsControl(c) || c is '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|')
                throw new ObjectKeyException(key, $"it contains the character U+{(int)c:X4}, which is not portable across stores.");
        }
    }

    /// <summary>Validates a list prefix: "" or a key, or a key's beginning (which may end in '/').</summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return;
        Validate(prefix.EndsWith('/') ? prefix[..^1] : prefix);
    }
}
