using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamey3.Engine.Remote;

/// <summary>The JSON settings of every remote-format document: camelCase, enums as strings, nulls left out (as local manifests).</summary>
internal static class RemoteJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The largest config, index or manifest a reader accepts (a manifest of a huge index stays far below).</summary>
    public const int MaxDocumentBytes = 64 << 20;
}
