using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The key material a cmdlet was given (paths and public keys only, except the passphrase, which lives only in memory).
/// </summary>
public sealed class RepositoryKeyMaterial
{
    /// <summary>The host's repository key file (0600): needed to write; created by the first copy to a new destination.</summary>
    public string? KeyFile { get; init; }
    /// <summary>Recipient files (age1… lines) to encrypt a new destination to, or to add.</summary>
    public IReadOnlyList<string> RecipientFiles { get; init; } = [];
    /// <summary>Recipients (age1…) given directly.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];
    /// <summary>Identity files (AGE-SECRET-KEY-1…) of key holders: needed to read content.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];
    /// <summary>The repository's passphrase (a passphrase repository), or null.</summary>
    public string? Passphrase { get; init; }
    /// <summary>scrypt work factor for a new passphrase repository's identity (age's default 18).</summary>
    public int WorkFactor { get; init; } = ScryptPassphrase.DefaultWorkFactor;

    /// <summary>True when anything was given that asks for an encrypted repository.</summary>
    public bool Any => KeyFile is not null || RecipientFiles.Count > 0 || Recipients.Count > 0 || IdentityFiles.Count > 0 || Passphrase is not null;

    /// <summary>The recipients of <see cref="RecipientFiles"/> and <see cref="Recipients"/>, each once.</summary>
    public List<X25519Recipient> ReadRecipients()
    {
        var list = new List<X25519Recipient>();
        foreach (var file in RecipientFiles) list.AddRange(AgeKeyFile.ReadRecipients(file));
        for (var i = 0; i < Recipients.Count; i++) list.Add(X25519Recipient.Parse(Recipients[i], $"Recipient {i + 1}"));
        return list.Distinct().ToList();
    }

    internal List<X25519Identity> ReadIdentities() => IdentityFiles.SelectMany(AgeKeyFile.ReadIdentities).ToList();
}

/// <summary>
/// The keys of an encrypted repository at its destination (docs/encryption.md), all under <c>keys/</c>:
/// <list type="bullet">
/// <item><c>keys/repository.age</c>: the repository key K, age-encrypted to the recipients, so a key holder recovers
/// everything from the destination alone;</item>
/// <item><c>keys/recipients.json</c>: the recipients (public keys) and K's id, sealed with HMAC under K_auth, so a
/// store that swaps in its own public key is caught before anything is encrypted to it;</item>
/// <item><c>keys/identity.age</c> (passphrase repositories only): a repository X25519 identity in age-keygen's
/// format, encrypted with the passphrase (scrypt). Objects are encrypted to its public key, so scrypt runs once per
/// session, never per object, and <c>age -d -i keys/identity.age</c> (age prompts for the passphrase) opens any
/// object by hand.</item>
/// </list>
/// </summary>
public static class RepositoryKeyring
{
    public const string WrappedKeyName = "keys/repository.age";
    public const string RecipientsName = "keys/recipients.json";
    public const string IdentityName = "keys/identity.age";

    /// <summary>
    /// Sets up encryption at a new destination: the repository key from <see cref="RepositoryKeyMaterial.KeyFile"/>
    /// (created 0600 when it does not exist yet), the recipients given and, with a passphrase, a new repository
    /// identity. Writes the three key objects create-only (a concurrent setup fails rather than replacing keys), and
    /// returns the codec for writing (and for reading when identities or the passphrase were given).
    /// </summary>
    public static async Task<AgeObjectCodec> CreateAsync(IObjectStore store, RepositoryKeyMaterial material, string repositoryId, CancellationToken cancellationToken)
    {
        if (material.KeyFile is null)
            throw new AgeKeyException(JameyErrors.RepositoryKeyFileRequired,
                $"Creating the encrypted repository '{store.Location}' needs -KeyFile: the path of this host's repository key file (it is created there, owner-only).", store.Location.ToString());
        var recipients = material.ReadRecipients();
        var identities = new List<IAgeIdentity>(material.ReadIdentities());
        string? passphraseRecipient = null;
        byte[]? identityFile = null;
        if (material.Passphrase is not null)
        {
            using var scrypt = new ScryptRecipient(material.Passphrase, material.WorkFactor);
            var repoIdentity = X25519Identity.Generate();
            identities.Add(repoIdentity);
            passphraseRecipient = repoIdentity.Recipient.ToString();
            recipients.Add(repoIdentity.Recipient);
            var text = Encoding.UTF8.GetBytes($"# Jamey3 repository identity of {repositoryId}, protected by the repository's passphrase\n# public key: {repoIdentity.Recipient}\n{repoIdentity.ToSecretString()}\n");
            try
            {
                var output = new MemoryStream();
                Age.Encrypt(new MemoryStream(text), output, [scrypt]);
                identityFile = output.ToArray();
            }
            finally { CryptographicOperations.ZeroMemory(text); }
        }
        if (recipients.Count == 0)
            throw new AgeKeyException(JameyErrors.AgeNoRecipients,
                $"Creating the encrypted repository '{store.Location}' needs at least one recipient (-Recipient, -RecipientFile) or a passphrase.", store.Location.ToString());

        var key = File.Exists(material.KeyFile) ? RepositoryKey.ReadKeyFile(material.KeyFile) : null;
        var created = false;
        if (key is null)
        {
            key = RepositoryKey.Generate();
            key.WriteKeyFile(material.KeyFile, repositoryId);
            created = true;
        }
        try
        {
            if (identityFile is not null) await WriteAsync(store, IdentityName, identityFile, createOnly: true, cancellationToken).ConfigureAwait(false);
            await WriteAsync(store, WrappedKeyName, key.Wrap(recipients, repositoryId), createOnly: true, cancellationToken).ConfigureAwait(false);
            await WriteAsync(store, RecipientsName, RecipientList.Create(key, recipients, passphraseRecipient).ToBytes(), createOnly: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A key file made for a destination that was not set up would only confuse the next attempt.
            if (created) TryDelete(material.KeyFile);
            key.Dispose();
            throw;
        }
        return new AgeObjectCodec(key, recipients, identities, store.Location.ToString()) { RepositoryId = repositoryId };
    }

    /// <summary>True when the destination holds an encrypted repository's keys.</summary>
    public static async Task<bool> ExistsAsync(IObjectStore store, CancellationToken cancellationToken) =>
        await store.StatAsync(WrappedKeyName, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Opens an existing encrypted repository with what was given: the host's key file (write-only), and/or identity
    /// files or the passphrase (key holder: K is then unwrapped from <c>keys/repository.age</c>, and checked against the
    /// key file when both are given). The recipient list is authenticated under K before it is trusted.
    /// </summary>
    public static async Task<AgeObjectCodec> OpenAsync(IObjectStore store, RepositoryKeyMaterial material, CancellationToken cancellationToken)
    {
        var location = store.Location.ToString();
        var identities = new List<IAgeIdentity>(material.ReadIdentities());
        if (material.Passphrase is not null)
            identities.AddRange(await UnlockPassphraseAsync(store, material.Passphrase, cancellationToken).ConfigureAwait(false));
        var list = await ReadRecipientListAsync(store, cancellationToken).ConfigureAwait(false);

        RepositoryKey? key = null;
        try
        {
            if (material.KeyFile is not null)
            {
                key = RepositoryKey.ReadKeyFile(material.KeyFile);
                if (key.KeyId != list.KeyId)
                    throw new AgeKeyException(JameyErrors.RepositoryKeyMismatch,
                        $"The repository key file '{material.KeyFile}' (key {key.KeyId}) is not the key of '{location}' (key {list.KeyId}): it belongs to another repository.", material.KeyFile);
            }
            else if (identities.Count > 0)
            {
                await using var wrapped = await OpenKeyObjectAsync(store, WrappedKeyName, cancellationToken).ConfigureAwait(false);
                var buffered = new MemoryStream();
                await wrapped.CopyToAsync(buffered, cancellationToken).ConfigureAwait(false);
                buffered.Position = 0;
                key = RepositoryKey.Unwrap(buffered, identities, $"{location}/{WrappedKeyName}");
            }
            else
            {
                throw new AgeKeyException(JameyErrors.RepositoryKeyRequired,
                    $"The repository '{location}' is encrypted (to {string.Join(", ", list.Recipients)}); give -KeyFile (this host's repository key, to copy into it), or -IdentityFile or -Passphrase (to read it).", location);
            }
            var recipients = list.Verify(key, location);
            return new AgeObjectCodec(key, recipients, identities, location);
        }
        catch
        {
            key?.Dispose();
            throw;
        }
    }

    /// <summary>Decrypts <c>keys/identity.age</c> with the passphrase: the repository identity of a passphrase repository.</summary>
    static async Task<IReadOnlyList<X25519Identity>> UnlockPassphraseAsync(IObjectStore store, string passphrase, CancellationToken cancellationToken)
    {
        var name = $"{store.Location}/{IdentityName}";
        if (await store.StatAsync(IdentityName, cancellationToken).ConfigureAwait(false) is null)
            throw new AgeKeyException(JameyErrors.RepositoryHasNoPassphrase,
                $"The repository '{store.Location}' is not protected by a passphrase (it has no {IdentityName}); give -IdentityFile with one of its recipients' private keys.", store.Location.ToString());
        await using var source = await OpenKeyObjectAsync(store, IdentityName, cancellationToken).ConfigureAwait(false);
        var plain = new MemoryStream();
        using (var scrypt = new ScryptIdentity(passphrase))
            await Age.DecryptAsync(source, plain, [scrypt], name, cancellationToken).ConfigureAwait(false);
        var buffer = plain.GetBuffer();
        try
        {
            using var reader = new StringReader(Encoding.UTF8.GetString(buffer, 0, (int)plain.Length));
            return AgeKeyFile.ParseIdentities(reader, name);
        }
        finally { CryptographicOperations.ZeroMemory(buffer); }
    }

    /// <summary>Reads <c>keys/recipients.json</c> (not yet authenticated: <see cref="RecipientList.Verify"/> does that).</summary>
    public static async Task<RecipientList> ReadRecipientListAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        await using var source = await OpenKeyObjectAsync(store, RecipientsName, cancellationToken).ConfigureAwait(false);
        var buffered = new MemoryStream();
        await source.CopyToAsync(buffered, cancellationToken).ConfigureAwait(false);
        return RecipientList.Parse(buffered.ToArray(), $"{store.Location}/{RecipientsName}");
    }

    /// <summary>
    /// Replaces the recipient set (add or remove; on a machine holding a private key or the passphrase): re-wraps <c>keys/repository.age</c> and rewrites the sealed
    /// recipient list. Objects written from then on are encrypted to the new set only. Objects already stored keep
    /// their headers (see docs/encryption.md, "Adding and removing a recipient", for what that means).
    /// The passphrase recipient of a passphrase repository stays.
    /// </summary>
    public static async Task<IReadOnlyList<X25519Recipient>> ChangeRecipientsAsync(IObjectStore store, RepositoryKeyMaterial material,
        IReadOnlyList<X25519Recipient> add, IReadOnlyList<X25519Recipient> remove, CancellationToken cancellationToken)
    {
        var location = store.Location.ToString();
        using var key = await UnwrapKeyAsync(store, material, cancellationToken).ConfigureAwait(false);
        var list = await ReadRecipientListAsync(store, cancellationToken).ConfigureAwait(false);
        var current = list.Verify(key, location);
        var passphrase = list.PassphraseRecipient is null ? null : X25519Recipient.Parse(list.PassphraseRecipient, $"{location}/{RecipientsName}");
        foreach (var r in remove)
        {
            if (r.Equals(passphrase))
                throw new AgeKeyException(JameyErrors.RecipientNotFound, $"{r} is the passphrase identity of '{location}', not a recipient that can be removed.", r.ToString());
            if (!current.Contains(r))
                throw new AgeKeyException(JameyErrors.RecipientNotFound, $"{r} is not a recipient of '{location}'; its recipients are {string.Join(", ", current)}.", r.ToString());
        }
        var next = current.Except(remove).Concat(add).Distinct().ToList();
        if (next.Count == 0)
            throw new AgeKeyException(JameyErrors.AgeNoRecipients, $"Removing {string.Join(", ", remove)} would leave '{location}' with no recipient: nobody could read it again.", location);
        // The wrapped key first: should the list write fail, every recipient in either list can still read the key.
        await WriteAsync(store, WrappedKeyName, key.Wrap(next, null), createOnly: false, cancellationToken).ConfigureAwait(false);
        await WriteAsync(store, RecipientsName, RecipientList.Create(key, next, list.PassphraseRecipient).ToBytes(), createOnly: false, cancellationToken).ConfigureAwait(false);
        return next;
    }

    /// <summary>Unwraps K for a key holder: for <see cref="ChangeRecipientsAsync"/>.</summary>
    public static async Task<RepositoryKey> UnwrapKeyAsync(IObjectStore store, RepositoryKeyMaterial material, CancellationToken cancellationToken)
    {
        var identities = new List<IAgeIdentity>(material.ReadIdentities());
        if (material.Passphrase is not null)
            identities.AddRange(await UnlockPassphraseAsync(store, material.Passphrase, cancellationToken).ConfigureAwait(false));
        if (identities.Count == 0)
            throw new AgeKeyException(JameyErrors.RepositoryPrivateKeyMissing,
                $"Changing the recipients of '{store.Location}' needs a private key: give -IdentityFile (one of its recipients' private keys) or -Passphrase.", store.Location.ToString());
        await using var wrapped = await OpenKeyObjectAsync(store, WrappedKeyName, cancellationToken).ConfigureAwait(false);
        var buffered = new MemoryStream();
        await wrapped.CopyToAsync(buffered, cancellationToken).ConfigureAwait(false);
        buffered.Position = 0;
        return RepositoryKey.Unwrap(buffered, identities, $"{store.Location}/{WrappedKeyName}");
    }

    static async Task<Stream> OpenKeyObjectAsync(IObjectStore store, string name, CancellationToken cancellationToken)
    {
        try { return await store.OpenReadAsync(name, null, cancellationToken).ConfigureAwait(false); }
        catch (ObjectNotFoundException e)
        {
            throw new AgeKeyException(JameyErrors.RepositoryKeysMissing,
                $"The encrypted repository '{store.Location}' has no {name}: its keys were deleted or it was not set up completely; without them nothing in it can be named or read.", store.Location.ToString(), e);
        }
    }

    static async Task WriteAsync(IObjectStore store, string name, byte[] bytes, bool createOnly, CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await store.WriteAsync(name, new MemoryStream(bytes), new ObjectWrite(sha, createOnly), cancellationToken).ConfigureAwait(false);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// <c>keys/recipients.json</c>: the public keys new objects are encrypted to, the repository key's id, and an HMAC under
/// K_auth over both, so that neither the store nor anyone without K can change whom a write-only host encrypts to.
/// </summary>
public sealed class RecipientList
{
    const string TagContext = "jamey3 recipients v1";

    [JsonPropertyName("format")] public int Format { get; init; } = 1;
    [JsonPropertyName("keyId")] public string KeyId { get; init; } = "";
    [JsonPropertyName("recipients")] public IReadOnlyList<string> Recipients { get; init; } = [];
    /// <summary>The repository identity's public key in a passphrase repository (also in <see cref="Recipients"/>).</summary>
    [JsonPropertyName("passphraseRecipient")] public string? PassphraseRecipient { get; init; }
    [JsonPropertyName("tag")] public string Tag { get; init; } = "";

    internal static RecipientList Create(RepositoryKey key, IReadOnlyList<X25519Recipient> recipients, string? passphraseRecipient)
    {
        var names = recipients.Select(r => r.ToString()).ToList();
        return new RecipientList { KeyId = key.KeyId, Recipients = names, PassphraseRecipient = passphraseRecipient, Tag = key.Tag(TagInput(key.KeyId, names, passphraseRecipient)) };
    }

    static byte[] TagInput(string keyId, IReadOnlyList<string> recipients, string? passphraseRecipient) =>
        Encoding.UTF8.GetBytes($"{TagContext}\n{keyId}\n{passphraseRecipient ?? "-"}\n{string.Join("\n", recipients)}\n");

    /// <summary>The recipients, once the tag verified under <paramref name="key"/>; throws naming the file otherwise.</summary>
    internal IReadOnlyList<X25519Recipient> Verify(RepositoryKey key, string location)
    {
        if (KeyId != key.KeyId)
            throw new AgeKeyException(JameyErrors.RepositoryKeyMismatch,
                $"The recipient list of '{location}' belongs to key {KeyId}, not to the repository key given (key {key.KeyId}).", location);
        if (!key.VerifyTag(TagInput(KeyId, Recipients, PassphraseRecipient), Tag))
            throw new JameyException(JameyErrors.RecipientListTampered,
                $"The recipient list {RepositoryKeyring.RecipientsName} of '{location}' was changed without the repository key (its tag does not verify): nothing is encrypted to it. Restore it from a key holder with Add-JameyBackupRecipient.", location);
        return Recipients.Select((r, i) => X25519Recipient.Parse(r, $"Recipient {i + 1} of {location}/{RepositoryKeyring.RecipientsName}")).ToList();
    }

    internal byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true });

    internal static RecipientList Parse(byte[] bytes, string name)
    {
        try
        {
            var list = JsonSerializer.Deserialize<RecipientList>(bytes);
            if (list is null || list.Format != 1 || list.Recipients.Count == 0)
                throw new JameyException(JameyErrors.RecipientListTampered, $"The recipient list '{name}' is not one this version reads (format 1, at least one recipient).", name);
            return list;
        }
        catch (JsonException e)
        {
            throw new JameyException(JameyErrors.RecipientListTampered, $"The recipient list '{name}' is not valid JSON: {e.Message}", name, e);
        }
    }
}
