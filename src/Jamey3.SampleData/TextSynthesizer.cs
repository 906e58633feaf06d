using System.Text;

namespace Jamey3.SampleData;

/// <summary>
/// Writes English-looking memory text. The vocabulary is a few hundred everyday words plus a few
/// thousand pronounceable made-up words built from syllables with a seeded <see cref="Random"/>;
/// words are drawn with a Zipf-like skew and fitted into sentence templates. That gives text that
/// tokenizes, indexes and compresses roughly like real notes (about 3-5x with deflate/zstd),
/// without shipping any corpus.
/// </summary>
internal sealed class TextSynthesizer
{
    // Size of the lookup tables used to draw a skewed index with one Random.Next call.
    private const int TableBits = 16;
    private const int TableMask = (1 << TableBits) - 1;

    private static readonly string[] Onsets =
        ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "pr",
         "r", "s", "sh", "sl", "sp", "st", "t", "th", "tr", "v", "w", "z", ""];
    private static readonly string[] Nuclei = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "ai", "ea", "ou", "ee", "oo"];
    private static readonly string[] Codas = ["", "", "", "n", "r", "l", "s", "t", "m", "nd", "st", "ck", "ng", "rt", "x"];

    private static readonly string[] CommonNouns =
        ["coffee", "garden", "meeting", "project", "sister", "brother", "mother", "father", "friend", "dog", "cat",
         "car", "house", "kitchen", "book", "movie", "song", "trip", "weekend", "job", "office", "doctor",
         "appointment", "birthday", "dinner", "recipe", "plan", "idea", "budget", "laptop", "phone", "email",
         "message", "report", "deadline", "team", "manager", "concert", "holiday", "city", "beach", "mountain",
         "train", "flight", "hotel", "bike", "workout", "lesson", "class", "exam", "piano", "guitar", "painting",
         "photo", "letter", "gift", "party", "neighbor", "apartment", "bill", "bank", "market", "weather", "rain",
         "winter", "summer", "morning", "evening", "habit", "goal", "dream", "story", "game", "puzzle", "language",
         "podcast", "news", "computer", "schedule", "playlist", "course", "interview", "vacation", "tea", "bakery"];
    private static readonly string[] CommonVerbs =
        ["enjoy", "visit", "finish", "start", "cook", "watch", "call", "help", "need", "want", "miss", "like", "love",
         "prefer", "mention", "remember", "organize", "clean", "fix", "paint", "play", "learn", "practice", "travel",
         "move", "change", "share", "discuss", "order", "book", "check", "update", "review", "open", "save", "worry",
         "hope", "bake", "compare", "postpone", "rearrange", "celebrate", "explore", "return", "borrow", "collect"];
    private static readonly string[] CommonAdjectives =
        ["happy", "tired", "busy", "quiet", "new", "old", "favorite", "small", "large", "important", "difficult",
         "easy", "early", "late", "warm", "cold", "expensive", "cheap", "friendly", "noisy", "calm", "curious",
         "excited", "nervous", "relaxed", "careful", "weekly", "daily", "strange", "useful", "long", "short"];
    private static readonly string[] Determiners = ["the", "a", "their", "this", "that", "some", "the", "the", "his", "her", "our"];
    private static readonly string[] Prepositions =
        ["in", "on", "at", "near", "with", "for", "from", "about", "after", "before", "under", "around", "during", "without"];
    private static readonly string[] TimePhrases =
        ["yesterday", "today", "last week", "this morning", "on Monday", "on Friday", "tonight", "next month",
         "after lunch", "every weekend", "earlier", "two days ago", "last year", "in the spring", "most evenings"];
    private static readonly string[] Adverbs =
        ["often", "rarely", "usually", "again", "quickly", "slowly", "carefully", "recently", "always", "sometimes",
         "still", "finally", "almost never", "quite happily", "without much fuss"];

    private readonly Random _rng;
    private readonly string[] _nouns;
    private readonly string[] _adjectives;
    private readonly string[] _names;
    private readonly (string Base, string S, string Past, string Ing)[] _verbs;
    private readonly ushort[] _nounTable;
    private readonly ushort[] _adjTable;
    private readonly ushort[] _verbTable;
    private readonly ushort[] _nameTable;

    /// <param name="vocabularySeed">Determines the made-up words; same seed, same vocabulary.</param>
    /// <param name="rng">Draws the words and templates; owned by the caller so its sequence stays reproducible.</param>
    public TextSynthesizer(int vocabularySeed, Random rng)
    {
        _rng = rng;
        var vocab = new Random(unchecked(vocabularySeed * 31 + 0x5EED));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in CommonNouns.Concat(CommonVerbs).Concat(CommonAdjectives)) seen.Add(w);

        _nouns = [.. Interleave(CommonNouns, MakeWords(vocab, seen, 2600, 1, 3, ""), vocab)];
        _adjectives = [.. Interleave(CommonAdjectives, MakeWords(vocab, seen, 700, 1, 3, "y"), vocab)];
        _names = [.. MakeWords(vocab, seen, 180, 2, 3, "").Select(Capitalize)];
        var verbStems = Interleave(CommonVerbs, MakeWords(vocab, seen, 700, 1, 2, ""), vocab);
        _verbs = [.. verbStems.Select(Inflect)];

        _nounTable = SkewTable(_nouns.Length, 1.05);
        _adjTable = SkewTable(_adjectives.Length, 1.0);
        _verbTable = SkewTable(_verbs.Length, 1.0);
        _nameTable = SkewTable(_names.Length, 0.9);
    }

    /// <summary>Number of distinct words the synthesizer can emit (for diagnostics).</summary>
    public int VocabularySize => _nouns.Length + _adjectives.Length + _names.Length + _verbs.Length * 4;

    /// <summary>Appends <paramref name="sentences"/> sentences in the flavour of <paramref name="layer"/>.</summary>
    public void AppendSentences(StringBuilder sb, string layer, int sentences)
    {
        for (int i = 0; i < sentences; i++)
        {
            if (sb.Length > 0 && sb[^1] != ' ') sb.Append(' ');
            AppendSentence(sb, PickTemplate(layer));
        }
    }

    /// <summary>A single noun, for topic tags.</summary>
    public string Noun() => _nouns[_nounTable[_rng.Next() & TableMask]];

    private int PickTemplate(string layer)
    {
        // Each layer leans towards the kind of note it would hold, but any template can turn up.
        if (_rng.Next(100) < 40) return _rng.Next(TemplateCount);
        return layer switch
        {
            "working" => Pick(6, 12, 3, 11),
            "short_term" => Pick(0, 2, 3, 8, 11),
            "semantic" => Pick(9, 7, 5, 13),
            "episodic" => Pick(1, 4, 10, 14, 8),
            _ => Pick(0, 5, 7, 10, 13, 14),
        };
    }

    private int Pick(params int[] choices) => choices[_rng.Next(choices.Length)];

    private const int TemplateCount = 15;

    private void AppendSentence(StringBuilder sb, int template)
    {
        switch (template)
        {
            case 0: sb.Append("User mentioned that "); NounPhrase(sb); sb.Append(' '); VerbS(sb); sb.Append(' '); NounPhrase(sb); MaybePrep(sb); break;
            case 1: sb.Append("User said they "); VerbPast(sb); sb.Append(' '); NounPhrase(sb); sb.Append(' '); PrepPhrase(sb); break;
            case 2: sb.Append("Jamey noticed that the user "); VerbS(sb); sb.Append(' '); NounPhrase(sb); sb.Append(' ').Append(Any(Adverbs)); break;
            case 3: sb.Append("The user asked about "); sb.Append(Noun()).Append(" and ").Append(Noun()); MaybePrep(sb); break;
            case 4: sb.Append("During the conversation about ").Append(Noun()).Append(", "); Name(sb); sb.Append(' '); VerbPast(sb); sb.Append(' '); NounPhrase(sb); break;
            case 5: sb.Append("User prefers ").Append(Noun()).Append(" over ").Append(Noun()).Append(" when "); NounPhrase(sb); sb.Append(' '); VerbS(sb); sb.Append(' ').Append(Any(Adverbs)); break;
            case 6: sb.Append("Reminder: "); sb.Append(_verbs[_verbTable[_rng.Next() & TableMask]].Base).Append(' '); NounPhrase(sb); sb.Append(' ').Append(Any(TimePhrases)); break;
            case 7: Name(sb); sb.Append(" is the user's ").Append(Noun()).Append(" and "); VerbS(sb); sb.Append(' '); NounPhrase(sb); MaybePrep(sb); break;
            case 8: sb.Append("It seems the user feels ").Append(Adjective()).Append(" about "); NounPhrase(sb); break;
            case 9: sb.Append("Fact: "); NounPhrase(sb, capital: false); sb.Append(' '); VerbS(sb); sb.Append(' '); NounPhrase(sb); break;
            case 10: sb.Append("The user "); VerbPast(sb); sb.Append(' '); NounPhrase(sb); sb.Append(' ').Append(Any(TimePhrases)).Append(" because "); NounPhrase(sb); sb.Append(" was ").Append(Adjective()); break;
            case 11: sb.Append("Jamey suggested ").Append(_verbs[_verbTable[_rng.Next() & TableMask]].Ing).Append(' '); NounPhrase(sb); sb.Append(", and the user agreed"); break;
            case 12: sb.Append("User wants to ").Append(_verbs[_verbTable[_rng.Next() & TableMask]].Base).Append(' '); NounPhrase(sb); sb.Append(' '); PrepPhrase(sb); sb.Append(' ').Append(Any(TimePhrases)); break;
            case 13: sb.Append("In general, "); NounPhrase(sb); sb.Append(' ').Append(Any(Adverbs)).Append(' '); VerbS(sb); sb.Append(' '); NounPhrase(sb); break;
            default: sb.Append("Later, "); Name(sb); sb.Append(" and the user "); VerbPast(sb); sb.Append(' '); NounPhrase(sb); sb.Append(' '); PrepPhrase(sb); break;
        }
        sb.Append(_rng.Next(12) == 0 ? '!' : '.');
    }

    private void NounPhrase(StringBuilder sb, bool capital = false)
    {
        var det = Any(Determiners);
        sb.Append(capital ? Capitalize(det) : det).Append(' ');
        if (_rng.Next(2) == 0) sb.Append(Adjective()).Append(' ');
        sb.Append(Noun());
        if (_rng.Next(6) == 0) sb.Append(" of the ").Append(Noun());
    }

    private void PrepPhrase(StringBuilder sb)
    {
        sb.Append(Any(Prepositions)).Append(' ');
        NounPhrase(sb);
    }

    private void MaybePrep(StringBuilder sb)
    {
        if (_rng.Next(3) == 0) { sb.Append(' '); PrepPhrase(sb); }
    }

    private void VerbS(StringBuilder sb) => sb.Append(_verbs[_verbTable[_rng.Next() & TableMask]].S);
    private void VerbPast(StringBuilder sb) => sb.Append(_verbs[_verbTable[_rng.Next() & TableMask]].Past);
    private void Name(StringBuilder sb) => sb.Append(_names[_nameTable[_rng.Next() & TableMask]]);
    private string Adjective() => _adjectives[_adjTable[_rng.Next() & TableMask]];
    private string Any(string[] list) => list[_rng.Next(list.Length)];

    private static List<string> MakeWords(Random vocab, HashSet<string> seen, int count, int minSyl, int maxSyl, string suffix)
    {
        var words = new List<string>(count);
        var sb = new StringBuilder();
        while (words.Count < count)
        {
            sb.Clear();
            // Mostly short words: the longest syllable count is drawn only one time in five.
            int syllables = maxSyl > minSyl && vocab.Next(5) != 0 ? vocab.Next(minSyl, maxSyl) : vocab.Next(minSyl, maxSyl + 1);
            for (int s = 0; s < syllables; s++)
            {
                // Simple onsets inside a word keep made-up words pronounceable ("talmer", not "strouplee").
                var onset = Onsets[vocab.Next(Onsets.Length)];
                if (s > 0 && onset.Length > 1) onset = onset[..1];
                sb.Append(onset).Append(Nuclei[vocab.Next(Nuclei.Length)]);
                if (s == syllables - 1 ? vocab.Next(3) != 0 : vocab.Next(4) == 0) sb.Append(Codas[vocab.Next(Codas.Length)]);
            }
            if (suffix.Length > 0 && vocab.Next(2) == 0) sb.Append(suffix);
            if (sb.Length < 3) continue;
            var w = sb.ToString();
            if (seen.Add(w)) words.Add(w);
        }
        return words;
    }

    // Real words land on the frequent end of the list, made-up ones fill the long tail.
    private static List<string> Interleave(string[] common, List<string> made, Random vocab)
    {
        var list = new List<string>(common.Length + made.Count);
        list.AddRange(common.OrderBy(_ => vocab.Next()));
        list.AddRange(made);
        return list;
    }

    private static (string, string, string, string) Inflect(string v)
    {
        if (v.EndsWith('e')) return (v, v + "s", v + "d", v[..^1] + "ing");
        if (v.Length > 1 && v[^1] == 'y' && !"aeiou".Contains(v[^2]))
            return (v, v[..^1] + "ies", v[..^1] + "ied", v + "ing");
        if (v.EndsWith("sh") || v.EndsWith("ch") || v.EndsWith('s') || v.EndsWith('x'))
            return (v, v + "es", v + "ed", v + "ing");
        return (v, v + "s", v + "ed", v + "ing");
    }

    private static string Capitalize(string w) => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..];

    // Maps a uniform 16-bit draw to a rank with weight 1/(rank+2.7)^exponent.
    private static ushort[] SkewTable(int n, double exponent)
    {
        var weights = new double[n];
        double total = 0;
        for (int r = 0; r < n; r++) total += weights[r] = 1.0 / Math.Pow(r + 2.7, exponent);
        var table = new ushort[1 << TableBits];
        double acc = 0;
        int rank = 0;
        for (int i = 0; i < table.Length; i++)
        {
            double u = (i + 0.5) / table.Length * total;
            while (rank < n - 1 && acc + weights[rank] < u) acc += weights[rank++];
            table[i] = (ushort)rank;
        }
        return table;
    }
}
