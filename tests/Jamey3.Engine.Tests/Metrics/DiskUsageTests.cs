using Jamey3.Engine.IO;
using Jamey3.Engine.Metrics;

namespace Jamey3.Engine.Tests.Metrics;

public sealed class DiskUsageTests : IDisposable
{
    readonly TempDirectory _dir = new("diskusage");
    string _root => _dir.Path;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Hard_links_are_counted_once()
    {
        Assert.True(DiskUsage.CountsHardLinksOnce, "this test machine is 64-bit Linux");
        var a = Path.Combine(_root, "a", "segment.cfs");
        Directory.CreateDirectory(Path.GetDirectoryName(a)!);
        File.WriteAllBytes(a, new byte[1000]);
        Directory.CreateDirectory(Path.Combine(_root, "b"));
        Directory.CreateDirectory(Path.Combine(_root, "c"));
        Assert.True(Durability.TryCreateHardLink(a, Path.Combine(_root, "b", "segment.cfs")));
        Assert.True(Durability.TryCreateHardLink(a, Path.Combine(_root, "c", "same.cfs")));
        File.WriteAllBytes(Path.Combine(_root, "c", "other"), new byte[234]);
        Assert.Equal(1234, DiskUsage.Measure(_root));
    }

    [Fact]
    public void Symbolic_links_are_neither_followed_nor_counted()
    {
        var outside = Path.Combine(Path.GetTempPath(), "jamey3-metrics-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outside);
        try
        {
            File.WriteAllBytes(Path.Combine(outside, "big"), new byte[5000]);
            File.WriteAllBytes(Path.Combine(_root, "small"), new byte[10]);
            File.CreateSymbolicLink(Path.Combine(_root, "link-to-file"), Path.Combine(outside, "big"));
            Directory.CreateSymbolicLink(Path.Combine(_root, "link-to-dir"), outside);
            Assert.Equal(10, DiskUsage.Measure(_root));
        }
        finally { Directory.Delete(outside, recursive: true); }
    }

    [Fact]
    public void Agrees_with_du_apparent_size_on_a_real_repository()
    {
        using var ws = new MetricsWorkspace();
        ws.Backup();
        ws.AddData();
        ws.Backup(); // hard-links the first round's unchanged segment files
        var measured = DiskUsage.Measure(ws.RepositoryPath);

        long naive = Directory.EnumerateFiles(ws.RepositoryPath, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(measured < naive, $"shared files should be counted once ({measured} vs {naive} per path)");

        // du -s -b counts each inode once, plus the folders' own sizes; subtract those.
        var du = Run("du", "-s", "-b", ws.RepositoryPath);
        long folders = Directory.EnumerateDirectories(ws.RepositoryPath, "*", SearchOption.AllDirectories).Append(ws.RepositoryPath)
            .Sum(d => long.Parse(Run("stat", "-c", "%s", d).Trim()));
        Assert.Equal(long.Parse(du.Split('\t')[0]) - folders, measured);
    }

    [Fact]
    public void A_missing_root_throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => DiskUsage.Measure(Path.Combine(_root, "nope")));
    }

    static string Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
