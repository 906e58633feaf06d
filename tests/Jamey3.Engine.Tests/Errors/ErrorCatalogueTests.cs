using System.Reflection;
using System.Text.RegularExpressions;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Failures;

/// <summary>One catalogue of error ids: declared once, each with one kind, each listed in about_Jamey3, none made up elsewhere.</summary>
public class ErrorCatalogueTests
{
    static readonly string AboutPath = SourceTree.Combine("src", "Module", "en-US", "about_Jamey3.help.txt");

    [Fact]
    public void Every_id_is_declared_once_under_its_own_name()
    {
        var fields = typeof(JameyErrors).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(JameyError)).ToList();
        Assert.NotEmpty(fields);
        Assert.Equal(fields.Count, JameyErrors.All.Count);
        foreach (var f in fields) Assert.Equal(f.Name, ((JameyError)f.GetValue(null)!).Id);
        var duplicates = JameyErrors.All.GroupBy(e => e.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
        Assert.All(JameyErrors.All, e => Assert.Matches("^[A-Z][A-Za-z]+$", e.Id));
        Assert.All(JameyErrors.All, e => Assert.True(Enum.IsDefined(e.Kind), e.Id));
    }

    [Fact]
    public void About_Jamey3_lists_exactly_the_catalogue_with_each_ids_category()
    {
        var text = File.ReadAllText(AboutPath);
        var section = Regex.Match(text, @"^ERROR IDS\r?\n(?<body>.*?)^\S", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(section.Success, "about_Jamey3 has no ERROR IDS section");
        var documented = Regex.Matches(section.Groups["body"].Value, @"^    (?<id>[A-Z]\w+) \((?<category>\w+)\)\r?$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["id"].Value, m => m.Groups["category"].Value);

        var missing = JameyErrors.All.Select(e => e.Id).Except(documented.Keys).ToList();
        var unknown = documented.Keys.Except(JameyErrors.All.Select(e => e.Id)).ToList();
        Assert.True(missing.Count == 0, "Not in about_Jamey3: " + string.Join(", ", missing));
        Assert.True(unknown.Count == 0, "In about_Jamey3 but not in the catalogue: " + string.Join(", ", unknown));
        foreach (var e in JameyErrors.All)
            Assert.True(JameyErrors.CategoryName(e.Kind) == documented[e.Id],
                $"{e.Id}: about_Jamey3 says {documented[e.Id]}, the catalogue's kind {e.Kind} is {JameyErrors.CategoryName(e.Kind)}");
    }

    /// <summary>
    /// An id or kind written anywhere but the catalogue is how one id came to have two categories and
    /// ScheduleNotFound two spellings of its message: the product's code names entries of JameyErrors only.
    /// </summary>
    [Fact]
    public void No_code_outside_the_catalogue_makes_up_an_id_or_a_category()
    {
        var allowed = new[]
        {
            SourceTree.Combine("src", "Jamey3.Engine", "Errors"),
            SourceTree.Combine("src", "Jamey3.Engine", "History", "RunRecorder.cs"),
            SourceTree.Combine("src", "Jamey3.Commands", "Infrastructure", "ErrorMapping.cs"),
        };
        var rules = new (string Why, Regex Pattern)[]
        {
            ("a kind chosen outside the catalogue", new Regex(@"JameyErrorKind\.\w+")),
            ("an ErrorRecord made outside ErrorMapping", new Regex(@"new\s+ErrorRecord\s*\(")),
            ("a PowerShell category chosen outside ErrorMapping", new Regex(@"ErrorCategory\.\w+")),
            ("a literal error id", new Regex(@"(JameyException|ErrorMapping\.Create|SnapshotException|MetricsEndpointException)\s*\(\s*""")),
            ("an exception filter that is always true", new Regex(@"catch\s*\(\s*Exception\s*\)\s*when\s*\(\s*\w+\s+is\s+not\s+null\s*\)")),
        };
        var offences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(SourceTree.Combine("src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")) continue;
            if (allowed.Any(a => file.StartsWith(a, StringComparison.Ordinal))) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                foreach (var (why, pattern) in rules)
                    if (pattern.IsMatch(lines[i]))
                        offences.Add($"{Path.GetRelativePath(SourceTree.Root, file)}:{i + 1}: {why}: {lines[i].Trim()}");
        }
        Assert.True(offences.Count == 0, string.Join("\n", offences));
    }

    [Fact]
    public void Every_kind_has_a_category()
    {
        foreach (var kind in Enum.GetValues<JameyErrorKind>())
            Assert.True(kind == JameyErrorKind.Unexpected || JameyErrors.CategoryName(kind) != "NotSpecified", $"{kind} has no category");
    }
}
