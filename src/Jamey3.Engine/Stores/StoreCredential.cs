namespace Jamey3.Engine.Stores;

/// <summary>
/// An explicit credential for a store (from a -Credential parameter). Its secrets are private: ToString and
/// any exception built from it show only the kind of credential.
/// </summary>
public abstract class StoreCredential
{
    private protected StoreCredential() { }

    /// <summary>What kind of credential this is, for messages ("Azure account key").</summary>
    public abstract string Description { get; }

    /// <summary>Every secret string it holds, for scrubbing them out of exception text.</summary>
    internal abstract IEnumerable<string> SecretValues { get; }

    public sealed override string ToString() => $"{Description} (secret not shown)";
}

/// <summary>Azure Blob Storage: a connection string, an account key or a SAS token.</summary>
public sealed class AzureStorageCredential : StoreCredential
{
    AzureStorageCredential(string? connectionString, string? accountKey, string? sasToken)
    {
        ConnectionString = connectionString; AccountKey = accountKey; SasToken = sasToken;
    }

    internal string? ConnectionString { get; }
    internal string? AccountKey { get; }
    internal string? SasToken { get; }

    public static AzureStorageCredential FromConnectionString(string connectionString) => new(Require(connectionString), null, null);
    public static AzureStorageCredential FromAccountKey(string accountKey) => new(null, Require(accountKey), null);
    public static AzureStorageCredential FromSasToken(string sasToken) => new(null, null, Require(sasToken).TrimStart('?'));

    public override string Description => ConnectionString is not null ? "Azure connection string" : AccountKey is not null ? "Azure account key" : "Azure SAS token";

    internal override IEnumerable<string> SecretValues
    {
        get
        {
            if (ConnectionString is not null)
            {
                yield return ConnectionString;
                // Its parts, too: SDK messages may quote one of them.
                foreach (var part in ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = part.IndexOf('=');
                    if (eq > 0 && part[..eq].Trim() is var name && (name.Equals("AccountKey", StringComparison.OrdinalIgnoreCase) || name.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase)))
                        yield return part[(eq + 1)..].Trim();
                }
            }
            if (AccountKey is not null) yield return AccountKey;
            if (SasToken is not null)
            {
                yield return SasToken;
                foreach (var part in SasToken.Split('&'))
                    if (part.StartsWith("sig=", StringComparison.Ordinal)) { yield return part[4..]; yield return Uri.UnescapeDataString(part[4..]); }
            }
        }
    }

    static string Require(string value) => string.IsNullOrEmpty(value) ? throw new ArgumentException("The credential is empty.", nameof(value)) : value;
}

/// <summary>S3: an access key pair, with a session token for temporary credentials.</summary>
public sealed class S3Credential(string accessKeyId, string secretAccessKey, string? sessionToken = null) : StoreCredential
{
    internal string AccessKeyId { get; } = string.IsNullOrEmpty(accessKeyId) ? throw new ArgumentException("The access key id is empty.", nameof(accessKeyId)) : accessKeyId;
    internal string SecretAccessKey { get; } = string.IsNullOrEmpty(secretAccessKey) ? throw new ArgumentException("The secret access key is empty.", nameof(secretAccessKey)) : secretAccessKey;
    internal string? SessionToken { get; } = sessionToken;

    public override string Description => "S3 access key";
    internal override IEnumerable<string> SecretValues => SessionToken is null ? [SecretAccessKey] : [SecretAccessKey, SessionToken];
}

/// <summary>SFTP: a private key (file or text, optionally with a passphrase) or a password.</summary>
public sealed class SftpCredential : StoreCredential
{
    SftpCredential(string? keyFile, string? keyText, string? passphrase, string? password)
    {
        PrivateKeyFile = keyFile; PrivateKeyText = keyText; Passphrase = passphrase; Password = password;
    }

    internal string? PrivateKeyFile { get; }
    internal string? PrivateKeyText { get; }
    internal string? Passphrase { get; }
    internal string? Password { get; }

    public static SftpCredential FromPrivateKeyFile(string path, string? passphrase = null) => new(path, null, passphrase, null);
    public static SftpCredential FromPrivateKey(string keyText, string? passphrase = null) => new(null, keyText, passphrase, null);
    public static SftpCredential FromPassword(string password) => new(null, null, null, password);

    public override string Description => Password is not null ? "SFTP password" : "SFTP private key";
    internal override IEnumerable<string> SecretValues =>
        new[] { PrivateKeyText, Passphrase, Password }.Where(s => s is not null)!;
}
