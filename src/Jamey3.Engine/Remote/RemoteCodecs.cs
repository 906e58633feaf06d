using Jamey3.Engine.Errors;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// What the caller holds to seal or open an encrypted repository (recipients, identities, the name key). Empty for a
/// plain repository; the encryption work derives its own settings from this and plugs in at <see cref="RemoteCodecs.Select"/>.
/// </summary>
public class RemoteKeyMaterial
{
    /// <summary>True when the caller asked for encryption (a new destination is then created encrypted).</summary>
    public virtual bool WantsEncryption => false;
}

/// <summary>
/// The one place a codec is chosen for a remote repository: from its config (when it exists) and the key material the
/// caller gave. Copy, listing, verification and restore all call this, so encryption is a setting, not a code path.
/// </summary>
public static class RemoteCodecs
{
    /// <summary>
    /// Chooses how an encrypting codec is made (set once by the encryption code: <c>(config, keys) =&gt; codec</c>, or null
    /// when it does not apply). Null: only plain repositories are supported.
    /// </summary>
    public static Func<RemoteConfig?, RemoteKeyMaterial, StoreLocation, IObjectCodec?>? EncryptedCodecFactory { get; set; }

    /// <summary>
    /// The codec for a repository whose config is <paramref name="config"/> (null: it does not exist yet and will be created
    /// with the codec returned). Plain unless the config or the key material says age; a config that says age without a
    /// factory or keys that fit is refused with <see cref="JameyErrors.RemoteSchemeMismatch"/>.
    /// </summary>
    public static IObjectCodec Select(RemoteConfig? config, RemoteKeyMaterial? keys, StoreLocation location)
    {
        keys ??= new RemoteKeyMaterial();
        bool encrypted = config is null ? keys.WantsEncryption : config.Envelope != PlainObjectCodec.Instance.Envelope;
        if (!encrypted)
        {
            if (keys.WantsEncryption)
                throw new RemoteConfigException(JameyErrors.RemoteSchemeMismatch, location,
                    "it is a plain (unencrypted) repository, and encryption was asked for. Use another destination for encrypted copies.");
            return PlainObjectCodec.Instance;
        }
        return EncryptedCodecFactory?.Invoke(config, keys, location)
            ?? throw new RemoteConfigException(JameyErrors.RemoteSchemeMismatch, location,
                "it is an encrypted repository; give its encryption settings (recipients or identity) to use it.");
    }

    /// <summary>The config a new repository sealed by <paramref name="codec"/> starts with (an encrypting codec adds its recipients).</summary>
    public static Func<IObjectCodec, DateTimeOffset, RemoteConfig> NewConfig { get; set; } = (codec, now) => RemoteConfig.New(codec, now);
}
