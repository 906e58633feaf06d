using System.Security.Cryptography;
using System.Text.Json;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// The repository's <c>config</c> object (docs/remote-format.md, "config"): written once, create-only, never encrypted.
/// One repository, one scheme: a writer whose codec names or seals objects differently is refused.
/// </summary>
public sealed record RemoteConfig
{
    public const int CurrentFormat = 1;
    public const long DefaultChunkSize = 1 << 20;
    public const long DefaultMaxObjectSize = 8 << 20;

    public int Format { get; init; } = CurrentFormat;
    /// <summary>Random 128-bit id, hex: lets a reader see that a destination is the repository it expects.</summary>
    public string RepositoryId { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary><c>sha256</c> or <c>hmac-sha256</c> (<see cref="IObjectCodec.ObjectNames"/>).</summary>
    public string ObjectNames { get; init; } = "sha256";
    /// <summary><c>none</c> or <c>age</c> (<see cref="IObjectCodec.Envelope"/>).</summary>
    public string Envelope { get; init; } = "none";
    /// <summary><c>age</c> only: the public recipients. Filled by the encrypting codec's factory.</summary>
    public List<string>? Recipients { get; init; }
    /// <summary><c>hmac-sha256</c> only: the name key, age-encrypted to the recipients.</summary>
    public string? WrappedNameKey { get; init; }
    /// <summary>The database chunk size the local repository uses (1 MiB); informative for readers.</summary>
    public long ChunkSize { get; init; } = DefaultChunkSize;
    /// <summary>Above this a Lucene file may be stored in chunks (format allows it; this version stores files whole).</summary>
    public long MaxObjectSize { get; init; } = DefaultMaxObjectSize;

    /// <summary>A new config for a repository sealed by <paramref name="codec"/>.</summary>
    public static RemoteConfig New(IObjectCodec codec, DateTimeOffset now, IReadOnlyList<string>? recipients = null, string? wrappedNameKey = null) => new()
    {
        RepositoryId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        CreatedAt = now,
        ObjectNames = codec.ObjectNames,
        Envelope = codec.Envelope,
        Recipients = recipients?.ToList(),
        WrappedNameKey = wrappedNameKey,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RemoteJson.Options);

    /// <summary>Parses and validates a config read from <paramref name="location"/>.</summary>
    public static RemoteConfig Parse(ReadOnlySpan<byte> json, StoreLocation location)
    {
        RemoteConfig? c;
        try { c = JsonSerializer.Deserialize<RemoteConfig>(json, RemoteJson.Options); }
        catch (JsonException e) { throw new RemoteConfigException(JameyErrors.RemoteConfigInvalid, location, $"its config is not valid JSON ({e.Message})."); }
        if (c is null) throw new RemoteConfigException(JameyErrors.RemoteConfigInvalid, location, "its config is empty.");
        if (c.Format != CurrentFormat)
            throw new RemoteConfigException(c.Format > CurrentFormat ? JameyErrors.RemoteFormatUnsupported : JameyErrors.RemoteConfigInvalid, location,
                c.Format > CurrentFormat ? $"it is remote format {c.Format}, newer than this version reads ({CurrentFormat}); upgrade Jamey3."
                    : $"its config says format {c.Format}, which no Jamey3 writes.");
        if (c.RepositoryId is not { Length: 32 } || !c.RepositoryId.All(char.IsAsciiHexDigit))
            throw new RemoteConfigException(JameyErrors.RemoteConfigInvalid, location, $"its repository id '{c.RepositoryId}' is not 32 hex digits.");
        if (c.ObjectNames is not ("sha256" or "hmac-sha256"))
            throw new RemoteConfigException(JameyErrors.RemoteFormatUnsupported, location, $"it names objects by '{c.ObjectNames}', which this version does not know.");
        if (c.Envelope is not ("none" or "age"))
            throw new RemoteConfigException(JameyErrors.RemoteFormatUnsupported, location, $"its envelope '{c.Envelope}' is not one this version knows.");
        if (c.ChunkSize <= 0 || c.MaxObjectSize <= 0)
            throw new RemoteConfigException(JameyErrors.RemoteConfigInvalid, location, "its chunk sizes are not positive.");
        return c;
    }

    /// <summary>Refuses a codec that names or seals objects differently: one repository, one scheme.</summary>
    public void EnsureCompatible(IObjectCodec codec, StoreLocation location)
    {
        if (codec.ObjectNames != ObjectNames || codec.Envelope != Envelope)
            throw new RemoteConfigException(JameyErrors.RemoteSchemeMismatch, location,
                $"it is {Describe(Envelope, ObjectNames)}, and this copy was asked to write {Describe(codec.Envelope, codec.ObjectNames)}. " +
                (Envelope == "age" ? "Give the repository's encryption settings." : "Use another destination for encrypted copies."));
    }

    static string Describe(string envelope, string names) =>
        envelope == "none" && names == "sha256" ? "a plain (unencrypted) repository" : $"a repository with envelope '{envelope}' and '{names}' object names";
}
