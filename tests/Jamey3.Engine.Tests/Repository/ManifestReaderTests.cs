using System.Globalization;
using System.Text.Json.Nodes;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Restore;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Repository;

/// <summary>
/// The listing's fast manifest reader must agree with the serializer on every manifest: what Jamey3 writes is read
/// to the same object, and anything else is left to <see cref="Manifest.Load"/> so its outcome and message stay the same.
/// </summary>
public sealed class ManifestReaderTests : RestoreTestBase
{
    string ManifestOf(JameyBackup b) => Path.Combine(b.Path, Manifest.FileName);

    [Fact]
    public void AManifestJameyWrote_ReadsToTheSameObjectAsTheSerializer()
    {
        Create(Data, seed: 120, records: 8);
        var first = Backup();
        Mutate(Data, seed: 121, only: [JameyComponent.Database]);
        var second = Backup(); // shares files with the first: sharedFrom, chunks, modes, Lucene checksums all present
        foreach (var b in new[] { first, second })
        {
            var path = ManifestOf(b);
            Assert.NotNull(ManifestReader.TryRead(path)); // the fast path, not the fallback
            var expected = Manifest.Load(path).ToJson();
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(ManifestReader.Load(path).ToJson()));
        }
        var shared = Manifest.Load(ManifestOf(second));
        Assert.Contains(shared.Files, f => f.Chunks is { Count: > 0 });
        Assert.Contains(shared.Files, f => f.SharedFrom is not null || f.Chunks?.Any(c => c.SharedFrom is not null) == true);
    }

    public static TheoryData<string, string> Oddities => new()
    {
        // What the serializer accepts but Jamey3 never writes: the reader hands the file over, the outcome is the same.
        { "a differently-cased enum", "lowercase-enum" },
        { "an unknown property", "unknown-property" },
        // What the serializer rejects: the same exception and message either way.
        { "broken JSON", "broken" },
        { "a null where a string belongs", "null-id" },
        { "a number as a string", "string-number" },
        { "a comment", "comment" },
        { "an unsafe stored path", "unsafe-path" },
        { "trailing content", "trailing" },
    };

    [Theory]
    [MemberData(nameof(Oddities))]
    public void AnythingElse_HasExactlyTheSerializersOutcome(string what, string kind)
    {
        Create(Data, seed: 122, records: 4);
        var path = ManifestOf(Backup());
        var text = File.ReadAllText(path);
        var json = JsonNode.Parse(text)!;
        text = kind switch
        {
            "lowercase-enum" => text.Replace("\"compression\": \"Zstd\"", "\"compression\": \"zstd\"", StringComparison.Ordinal),
            "unknown-property" => Set(json, "addedLater", JsonValue.Create("x")),
            "broken" => text[..(text.Length / 2)],
            "null-id" => Set(json, "backupId", null),
            "string-number" => Set(json, "format", JsonValue.Create("2")),
            "comment" => "// note\n" + text,
            "unsafe-path" => SetFirstStored(json, "files/../../etc/passwd"),
            "trailing" => text + " {}",
            _ => throw new ArgumentException(kind),
        };
        File.WriteAllText(path, text);

        var (expected, expectedError) = Outcome(() => Manifest.Load(path));
        var (actual, actualError) = Outcome(() => ManifestReader.Load(path));

        Assert.Equal(expectedError?.GetType(), actualError?.GetType());
        Assert.Equal(expectedError?.Message, actualError?.Message);
        if (expectedError is JameyException je) Assert.Equal(je.ErrorId, ((JameyException)actualError!).ErrorId);
        Assert.Equal(expected is null ? null : System.Text.Encoding.UTF8.GetString(expected.ToJson()),
            actual is null ? null : System.Text.Encoding.UTF8.GetString(actual.ToJson()));
        Assert.True(expected is not null || expectedError is not null, what);
    }

    [Fact]
    public void TheListing_ReadsEachBackupAsTheCallerReachesIt_NotAllBeforeTheFirst()
    {
        Create(Data, seed: 123, records: 4);
        var source = Backup();
        // Twenty older backups: hard-linked copies of the real one under their own ids and times.
        var older = new List<string>();
        for (int i = 1; i <= 20; i++)
        {
            var t = source.Timestamp.AddHours(-i);
            var id = t.UtcDateTime.ToString(BackupRepository.IdFormat, CultureInfo.InvariantCulture);
            var dir = Path.Combine(Repo, "backups", id);
            foreach (var d in Directory.EnumerateDirectories(source.Path, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(dir, Path.GetRelativePath(source.Path, d)));
            foreach (var f in Directory.EnumerateFiles(source.Path, "*", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(source.Path, f);
                if (rel != Manifest.FileName) IO.Durability.TryCreateHardLink(f, Path.Combine(dir, rel));
            }
            var json = JsonNode.Parse(File.ReadAllText(ManifestOf(source)))!;
            json["backupId"] = id;
            json["createdAt"] = t.ToString("O", CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(dir, Manifest.FileName), json.ToJsonString());
            older.Add(id);
        }

        using var listing = new BackupRepository(Repo).List().GetEnumerator();
        Assert.True(listing.MoveNext());
        Assert.Equal(source.BackupId, listing.Current.BackupId);
        Assert.Equal(BackupStatus.Complete, listing.Current.Status);
        // Only now does every older backup lose a stored file: had the listing read them all up front, they would list Complete.
        var m = Manifest.Load(ManifestOf(source));
        var victim = m.Files.First(f => f.Chunks is null).Stored;
        foreach (var id in older) File.Delete(Path.Combine(Repo, "backups", id, victim));
        var rest = new List<JameyBackup>();
        while (listing.MoveNext()) rest.Add(listing.Current);

        Assert.Equal(older, rest.Select(b => b.BackupId)); // still newest first
        Assert.All(rest, b => Assert.Equal(BackupStatus.Damaged, b.Status));
        Assert.All(rest, b => Assert.Contains($"'{victim}' is missing", b.Problem));
    }

    static string Set(JsonNode json, string name, JsonNode? value)
    {
        json[name] = value;
        return json.ToJsonString();
    }

    static string SetFirstStored(JsonNode json, string stored)
    {
        json["files"]![0]!["stored"] = stored;
        return json.ToJsonString();
    }

    static (Manifest? Result, Exception? Error) Outcome(Func<Manifest> load)
    {
        try { return (load(), null); }
        catch (Exception e) { return (null, e); }
    }
}
