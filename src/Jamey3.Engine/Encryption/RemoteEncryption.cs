using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The key material of an encrypted remote repository, as the remote format's codec selection takes it
/// (<see cref="RemoteCodecs.Select"/>). Resolve it against the destination with <see cref="PrepareAsync"/> before the
/// copy or reader selects its codec (the selection itself is synchronous); with <see cref="Store"/> set, selection
/// resolves it on demand.
/// </summary>
public sealed class AgeKeyMaterial : RemoteKeyMaterial
{
    /// <param name="material">What was given.</param>
    /// <param name="store">The destination, when selection may resolve the keys through it.</param>
    public AgeKeyMaterial(RepositoryKeyMaterial material, IObjectStore? store = null)
    {
        Material = material ?? throw new ArgumentNullException(nameof(material));
        Store = store;
    }

    /// <param name="material">What was given.</param>
    /// <param name="options">The store options (credential) selection opens the destination with to resolve the keys.</param>
    public AgeKeyMaterial(RepositoryKeyMaterial material, ObjectStoreOptions options) : this(material, (IObjectStore?)null) => Options = options;

    public RepositoryKeyMaterial Material { get; }

    /// <summary>The destination, when selection may resolve the keys through it.</summary>
    public IObjectStore? Store { get; }

    /// <summary>Options to open the destination with, when selection resolves the keys and no store was given.</summary>
    public ObjectStoreOptions? Options { get; }

    public override bool WantsEncryption => Material.Any;

    /// <summary>The codec once resolved (<see cref="PrepareAsync"/>).</summary>
    public AgeObjectCodec? Codec { get; private set; }

    /// <summary>True when the material can set up a new encrypted destination (a key file path and recipients or a passphrase).</summary>
    public bool CanCreate => Material.KeyFile is not null && (Material.Recipients.Count > 0 || Material.RecipientFiles.Count > 0 || Material.Passphrase is not null);

    /// <summary>
    /// Builds the codec for <paramref name="store"/> whose config is <paramref name="config"/>: opens the repository's keys
    /// with the material given, or, for a destination without config, sets encryption up (keys first, the config after,
    /// by the copy). Returns null for a plain repository.
    /// </summary>
    public async Task<AgeObjectCodec?> PrepareAsync(IObjectStore store, RemoteConfig? config, CancellationToken cancellationToken)
    {
        if (Codec is not null) return Codec;
        if (config is not null && config.Envelope != "age") return null;
        if (config is null && !await RepositoryKeyring.ExistsAsync(store, cancellationToken).ConfigureAwait(false))
        {
            if (!CanCreate) throw new RemoteRepositoryNotFoundException(store.Location);
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            Codec = await RepositoryKeyring.CreateAsync(store, Material, id, cancellationToken).ConfigureAwait(false);
            return Codec;
        }
        // An existing repository (or one whose keys a killed first copy wrote before its config).
        var codec = await RepositoryKeyring.OpenAsync(store, Material, cancellationToken).ConfigureAwait(false);
        try
        {
            // Recipients given for an existing repository must already be its own: never silently encrypt to another set.
            var asked = Material.ReadRecipients();
            var extra = asked.Where(r => !codec.Recipients.Contains(r)).ToList();
            if (extra.Count > 0)
                throw new AgeKeyException(JameyErrors.RecipientsDiffer,
                    $"The repository '{store.Location}' is encrypted to {string.Join(", ", codec.Recipients)}, not to {string.Join(", ", extra)}; its recipients change only with Add-JameyBackupRecipient / Remove-JameyBackupRecipient.", store.Location.ToString());
        }
        catch
        {
            codec.Dispose();
            throw;
        }
        Codec = codec;
        return Codec;
    }
}

/// <summary>
/// Plugs age encryption into the remote format's one codec selection point (<see cref="RemoteCodecs"/>) when the engine
/// loads: an <c>age</c> config or <see cref="AgeKeyMaterial"/> gives an <see cref="AgeObjectCodec"/>, and a new
/// repository's config records the envelope, the keyed names and the recipients.
/// </summary>
public static class RemoteEncryption
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registers the engine's own codec factory, with no outside dependency.")]
    internal static void Register()
    {
        RemoteCodecs.EncryptedCodecFactory = Factory;
        RemoteCodecs.NewConfig = NewConfig;
    }

    static IObjectCodec? Factory(RemoteConfig? config, RemoteKeyMaterial keys, StoreLocation location)
    {
        // No key material: the selection's own refusal (RemoteSchemeMismatch, "give its encryption settings") applies.
        if (keys is not AgeKeyMaterial age) return null;
        if (age.Codec is not null) return age.Codec;
        // Selection is synchronous; everything below awaits with ConfigureAwait(false), so blocking here cannot deadlock.
        if (age.Store is not null) return age.PrepareAsync(age.Store, config, CancellationToken.None).GetAwaiter().GetResult();
        if (age.Options is null)
            throw new InvalidOperationException("The encryption keys were not prepared against the destination (AgeKeyMaterial.PrepareAsync) before the codec was selected.");
        var store = ObjectStores.Open(location, age.Options);
        try { return age.PrepareAsync(store, config, CancellationToken.None).GetAwaiter().GetResult(); }
        finally { store.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    static RemoteConfig NewConfig(IObjectCodec codec, DateTimeOffset now)
    {
        if (codec is not AgeObjectCodec age) return RemoteConfig.New(codec, now);
        // Recipients as at creation, for people reading the config; the sealed keys/recipients.json is what writers trust.
        var config = RemoteConfig.New(codec, now, age.Recipients.Select(r => r.ToString()).ToList());
        return age.RepositoryId is { } id ? config with { RepositoryId = id } : config;
    }
}
