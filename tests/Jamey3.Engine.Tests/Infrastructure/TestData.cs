using Jamey3.SampleData;

namespace Jamey3.Engine.Tests.Infrastructure;

public static class TestData
{
    /// <summary>A fresh data directory of about <paramref name="bytes"/> inside <paramref name="dir"/>, which the test may change.</summary>
    public static string CreateIn(TempDirectory dir, long bytes = 400_000, int seed = 7)
    {
        var path = dir.Combine("data");
        SampleDataGenerator.Generate(path, bytes, seed);
        return path;
    }
}
