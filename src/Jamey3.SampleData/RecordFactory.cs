using System.Text;

namespace Jamey3.SampleData;

/// <summary>
/// Produces memory records: picks a layer, a length typical of that layer, the text, emotional tags
/// and associations to recent memories. Ids and clock come from the caller so the generator can make
/// them reproducible while the simulator uses real time and unique ids.
/// </summary>
internal sealed class RecordFactory
{
    private static readonly string[] Emotions =
        ["joy", "curiosity", "concern", "gratitude", "frustration", "calm", "excitement", "sadness", "surprise",
         "trust", "nostalgia", "pride", "anxiety", "amusement"];

    // Layer chosen per record, in cumulative per-mille. Long-term and episodic notes are fewer but much
    // longer, so they end up with the largest share of bytes.
    private static readonly (string Layer, int CumulativePerMille)[] LayerOdds =
        [("working", 270), ("short_term", 500), ("semantic", 690), ("long_term", 870), ("episodic", 1000)];

    private readonly Random _rng;
    private readonly TextSynthesizer _text;
    private readonly StringBuilder _sb = new(4096);
    private readonly string[] _recentIds = new string[64];
    private int _recentCount;

    public RecordFactory(Random rng, int vocabularySeed)
    {
        _rng = rng;
        _text = new TextSynthesizer(vocabularySeed, rng);
    }

    public Random Random => _rng;

    public string PickLayer()
    {
        int x = _rng.Next(1000);
        foreach (var (layer, cum) in LayerOdds)
            if (x < cum) return layer;
        return "episodic";
    }

    /// <summary>A UUID-formatted id drawn from the seeded random source.</summary>
    public string NextSeededId()
    {
        Span<byte> b = stackalloc byte[16];
        _rng.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 nibble (Guid stores this group little-endian)
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(b).ToString("D");
    }

    public MemoryRecord Create(string id, string layer, DateTime createdUtc)
    {
        _sb.Clear();
        int sentences = SentenceCount(layer);
        if (layer == "episodic" && sentences > 8) _sb.Append("Episode summary:");
        _text.AppendSentences(_sb, layer, sentences);
        var content = _sb.ToString();

        // The remembered moment is at or somewhat before the moment it was written down.
        var timestamp = layer switch
        {
            "episodic" => createdUtc.AddMinutes(-_rng.Next(0, 60 * 24 * 3)),
            "long_term" => createdUtc.AddHours(-_rng.Next(0, 24 * 60)),
            _ => createdUtc.AddSeconds(-_rng.Next(0, 120)),
        };

        var record = new MemoryRecord
        {
            Id = id,
            Content = content,
            Layer = layer,
            Timestamp = timestamp,
            EmotionalTagsJson = EmotionalTags(),
            ContextAssociationsJson = Associations(),
            CreatedAt = createdUtc,
            UpdatedAt = createdUtc,
        };
        Remember(id);
        return record;
    }

    /// <summary>A later version of <paramref name="original"/>: a follow-up note appended, updated_at moved on.</summary>
    public MemoryRecord CreateUpdate(MemoryRecord original, DateTime updatedUtc)
    {
        _sb.Clear();
        _sb.Append(original.Content).Append(" Update:");
        _text.AppendSentences(_sb, original.Layer, 1 + _rng.Next(3));
        return new MemoryRecord
        {
            Id = original.Id,
            Content = _sb.ToString(),
            Layer = original.Layer,
            Timestamp = original.Timestamp,
            EmotionalTagsJson = original.EmotionalTagsJson,
            ContextAssociationsJson = original.ContextAssociationsJson,
            CreatedAt = original.CreatedAt,
            UpdatedAt = updatedUtc,
            IsUpdate = true,
        };
    }

    private int SentenceCount(string layer)
    {
        int roll = _rng.Next(100);
        return layer switch
        {
            "working" => 1 + _rng.Next(2),
            "short_term" => 1 + _rng.Next(4),
            "semantic" => 2 + _rng.Next(roll < 90 ? 5 : 14),
            "long_term" => roll < 85 ? 3 + _rng.Next(12) : 15 + _rng.Next(40),
            _ => roll < 80 ? 4 + _rng.Next(20) : roll < 98 ? 25 + _rng.Next(50) : 80 + _rng.Next(120),
        };
    }

    private string EmotionalTags()
    {
        int n = _rng.Next(100) switch { < 20 => 0, < 60 => 1, < 88 => 2, _ => 3 };
        if (n == 0) return "[]";
        _sb.Clear();
        _sb.Append('[');
        int first = _rng.Next(Emotions.Length);
        for (int i = 0; i < n; i++)
        {
            if (i > 0) _sb.Append(',');
            _sb.Append('"').Append(Emotions[(first + i * 5) % Emotions.Length]).Append('"');
        }
        return _sb.Append(']').ToString();
    }

    private string Associations()
    {
        int n = _rng.Next(100) switch { < 25 => 0, < 55 => 1, < 80 => 2, < 95 => 3, _ => 4 };
        _sb.Clear();
        _sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (i > 0) _sb.Append(',');
            if (_recentCount > 0 && _rng.Next(3) != 0)
                _sb.Append('"').Append(_recentIds[_rng.Next(Math.Min(_recentCount, _recentIds.Length))]).Append('"');
            else
                _sb.Append("\"topic:").Append(_text.Noun()).Append('"');
        }
        return _sb.Append(']').ToString();
    }

    private void Remember(string id)
    {
        _recentIds[_recentCount % _recentIds.Length] = id;
        _recentCount++;
    }
}
