using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Metrics;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Restore;
using Xunit.Abstractions;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Repository;

/// <summary>Listing, ranking and housekeeping of a repository of real backups, some of them crafted afterwards.</summary>
public sealed class BackupRepositoryTests(ITestOutputHelper output) : RestoreTestBase
{
    BackupRepository Repository => new(Repo);

    string ManifestPath(string id) => Path.Combine(Repo, "backups", id, Manifest.FileName);

    /// <summary>Renames a backup's folder and rewrites the manifest's id and (optionally) its time, as a wrong clock or a person would.</summary>
    string Craft(string id, string newId, DateTimeOffset? createdAt = null)
    {
        var json = JsonNode.Parse(File.ReadAllText(ManifestPath(id)))!;
        json["backupId"] = newId;
        if (createdAt is { } t) json["createdAt"] = t.ToString("O", CultureInfo.InvariantCulture);
        File.WriteAllText(ManifestPath(id), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Directory.Move(Path.Combine(Repo, "backups", id), Path.Combine(Repo, "backups", newId));
        return newId;
    }

    static string IdOf(DateTimeOffset t) => t.UtcDateTime.ToString(BackupRepository.IdFormat, CultureInfo.InvariantCulture);

    List<string> ThreeBackups()
    {
        Create(Data, seed: 80, records: 8);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(Backup().BackupId);
            Mutate(Data, seed: 81 + i, only: [JameyComponent.Database]);
        }
        return ids; // oldest first
    }

    [Fact]
    public void AFolderWhoseNameIsNotATimestamp_RanksByItsManifest_AndIsNeverTheNewestGoodBackup()
    {
        var ids = ThreeBackups();
        // A copy of the oldest backup kept under a name of its own ("keep-this" sorts after every digit).
        CopyTree(Path.Combine(Repo, "backups", ids[0]), Path.Combine(Repo, "backups", "keep-this"));
        var json = JsonNode.Parse(File.ReadAllText(ManifestPath("keep-this")))!;
        json["backupId"] = "keep-this";
        File.WriteAllText(ManifestPath("keep-this"), json.ToJsonString());

        var list = Repository.List().ToList();

        // Ranked by its manifest's time (that of the oldest), not first as its name would sort.
        Assert.Equal([ids[2], ids[1]], list.Take(2).Select(b => b.BackupId));
        Assert.Equal(["keep-this", ids[0]], list.Skip(2).Select(b => b.BackupId).Order(StringComparer.Ordinal).Reverse());
        var odd = list.Single(b => b.BackupId == "keep-this");
        Assert.Equal(BackupStatus.Damaged, odd.Status);
        Assert.Contains("not a backup timestamp", odd.Problem);
        Assert.Equal(ids[2], list.First(BackupRepository.IsCurrent).BackupId);
    }

    [Fact]
    public void AnIdThatDisagreesWithItsManifest_IsDamaged_AndRanksByTheManifestTime()
    {
        var ids = ThreeBackups();
        var taken = Repository.Get(ids[0]).Timestamp;
        var future = Craft(ids[0], IdOf(taken.AddDays(400)));  // the folder and id say next year; the manifest's time is unchanged

        var list = Repository.List().ToList();

        Assert.Equal([ids[2], ids[1], future], list.Select(b => b.BackupId));
        var b = list[2];
        Assert.Equal(BackupStatus.Damaged, b.Status);
        Assert.Contains("its manifest records", b.Problem);
    }

    [Fact]
    public void ABackupDatedInTheFuture_IsCompleteButFlagged_AndNeverCurrent()
    {
        var ids = ThreeBackups();
        var at = DateTimeOffset.UtcNow.AddDays(3);
        var wrongClock = Craft(ids[0], IdOf(at), at); // id and manifest agree: the clock was wrong when it was taken

        var list = Repository.List().ToList();

        Assert.Equal(wrongClock, list[0].BackupId);
        Assert.Equal(BackupStatus.Complete, list[0].Status);
        Assert.True(list[0].InFuture);
        Assert.Contains("ahead of this machine's clock", list[0].Warning);
        Assert.False(BackupRepository.IsCurrent(list[0]));
        Assert.Equal(ids[2], list.First(BackupRepository.IsCurrent).BackupId);
        Assert.All(list.Skip(1), x => Assert.False(x.InFuture));
        // Within the tolerance, a clock a little ahead is not flagged.
        Assert.False(Repository.List(at.AddMinutes(-10)).First().InFuture);
    }

    [Fact]
    public void TheNextBackup_RemovesStagingLeftoversOfDeadRuns_AndTheMetricsShowedTheirSize()
    {
        Create(Data, seed: 90, records: 8);
        Backup();
        var dead = Path.Combine(Repo, "staging", "20200101-000000-000");
        Directory.CreateDirectory(Path.Combine(dead, "files"));
        File.WriteAllBytes(Path.Combine(dead, ".snapshot.db"), new byte[300_000]);
        Assert.Equal(300_000, BackupHealth.Read(Repo).StagingSizeBytes);
        var observer = new RecordingObserver();

        var next = new BackupEngine(observer).Run(new BackupRequest(Data, Repo));

        Assert.False(Directory.Exists(dead));
        Assert.Equal(BackupStatus.Complete, Repository.Get(next.BackupId).Status);
        Assert.Contains(observer.Warnings, w => w.Contains("staging folder(s) left by backup runs that did not finish"));
        Assert.Equal(0, BackupHealth.Read(Repo).StagingSizeBytes);
        Assert.DoesNotContain(Repository.List(), b => b.Status == BackupStatus.Incomplete);
    }

    [Theory]
    [InlineData("memory/short_term/bk")]
    [InlineData("memory/working")]
    [InlineData("jamey.db-backups")]
    [InlineData("jamey.db")]
    [InlineData(".jamey3-restore/bk")]
    public void ARepositoryInsideAComponent_IsRefusedBeforeAnythingIsWritten(string inside)
    {
        Create(Data, seed: 95, records: 6);
        var before = HashTree(Data);
        var repo = Path.Combine(Data, inside.Replace('/', Path.DirectorySeparatorChar));

        var e = Assert.Throws<RepositoryInsideDataException>(() => new BackupEngine().Run(new BackupRequest(Data, repo)));

        Assert.Equal("RepositoryInsideData", e.ErrorId);
        Assert.Equal(Errors.JameyErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(repo, e.Message);
        Assert.Contains("Nothing was written", e.Message);
        Assert.Equal(before, HashTree(Data));
        foreach (var folder in new[] { "", "backups", "staging", "state", "locks" })
            Assert.False(Directory.Exists(Path.Combine(repo, folder)) && (folder != "" || inside != "memory/working"), $"{folder} was created");
    }

    [Fact]
    public void ARepositoryReachedThroughALinkIntoAComponent_IsRefused_AndDataBackupsIsAllowed()
    {
        Create(Data, seed: 96, records: 6);
        var link = Path.Combine(Root, "elsewhere");
        Directory.CreateSymbolicLink(link, DataLayout.FullPath(Data, JameyComponent.Episodic));
        Assert.Throws<RepositoryInsideDataException>(() => new BackupEngine().Run(new BackupRequest(Data, Path.Combine(link, "bk"))));
        Assert.False(Directory.Exists(Path.Combine(link, "bk")));

        var ok = new BackupEngine().Run(new BackupRequest(Data, Path.Combine(Data, "backups")));
        Assert.Equal(BackupStatus.Complete, ok.Status);
        Assert.Equal(BackupStatus.Complete, new BackupRepository(Path.Combine(Data, "backups")).Get(ok.BackupId).Status);
    }

    [Fact]
    public void UniqueSize_CountsOnlyFilesNoOtherBackupShares_AndTheSummaryShowsWhatSharingSaves()
    {
        if (!DiskUsage.CountsHardLinksOnce) return;
        Create(Data, seed: 97, records: 10);
        var first = Backup().BackupId;
        Mutate(Data, seed: 98, only: [JameyComponent.Database]);
        var second = Backup().BackupId; // the indices and most database chunks are hard links to the first backup's

        var list = Repository.List().ToList();
        var m2 = Repository.LoadManifest(second);
        var notShared = m2.Files.SelectMany(f => f.Chunks is null
            ? (f.SharedFrom is null ? [f.StoredSize] : Array.Empty<long>())
            : f.Chunks.Where(c => c.SharedFrom is null).Select(c => c.StoredSize)).Sum();
        var b2 = list.Single(b => b.BackupId == second);
        Assert.Equal(notShared, b2.UniqueSize);
        Assert.True(b2.UniqueSize < b2.StoredSize / 2, $"{b2.UniqueSize} of {b2.StoredSize}");

        var summary = Repository.Summarize(list);
        Assert.Equal(2, summary.Complete);
        Assert.Equal(list.Sum(b => b.StoredSize), summary.StoredSize);
        Assert.Equal(DiskUsage.Measure(Path.Combine(Repo, "backups")), summary.DiskSize);
        Assert.Equal(summary.StoredSize - DiskUsage.Measure(list.Select(b => Path.Combine(b.Path, "files"))), summary.SharingSaves);
        Assert.Equal(list.Single(b => b.BackupId == first).StoredSize - list.Single(b => b.BackupId == first).UniqueSize, summary.SharingSaves);
        Assert.True(summary.SharingSaves > 0);

        // Once the first is gone, the second holds every byte alone.
        Directory.Delete(Path.Combine(Repo, "backups", first), recursive: true);
        var alone = Repository.Get(second);
        Assert.Equal(alone.StoredSize, alone.UniqueSize);
    }

    [Fact]
    public void Listing200Backups_IsFast()
    {
        Create(Data, seed: 99, records: 6);
        var source = Backup();
        var sourceDir = source.Path;
        var start = source.Timestamp.AddDays(-300);
        // 199 more: hard-linked copies of the real one, each with its own id and time, as a long-lived repository holds.
        for (int i = 0; i < 199; i++)
        {
            var t = start.AddHours(i);
            var id = IdOf(t);
            var dir = Path.Combine(Repo, "backups", id);
            foreach (var d in Directory.EnumerateDirectories(sourceDir, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(dir, Path.GetRelativePath(sourceDir, d)));
            foreach (var f in Directory.EnumerateFiles(sourceDir, "*", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(sourceDir, f);
                if (rel == Manifest.FileName) continue;
                IO.Durability.TryCreateHardLink(f, Path.Combine(dir, rel));
            }
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(sourceDir, Manifest.FileName)))!;
            json["backupId"] = id;
            json["createdAt"] = t.ToString("O", CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(dir, Manifest.FileName), json.ToJsonString());
        }
        Repository.List().ToList(); // warm the cache, as a second listing would find it

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var all = Repository.List().ToList();
        var full = watch.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu; // the machine may be shared: CPU time says more than wall time
        watch.Restart();
        var newest = Repository.List().First(BackupRepository.IsCurrent);
        var first = watch.Elapsed;

        output.WriteLine($"Listing 200 backups ({all.Sum(b => Repository.LoadManifest(b.BackupId).Files.Sum(f => f.StoredParts().Count())) / 200} stored files each): {full.TotalMilliseconds:0} ms ({cpuUsed.TotalMilliseconds:0} ms CPU); the newest only: {first.TotalMilliseconds:0} ms");
        Assert.Equal(200, all.Count);
        Assert.All(all, b => Assert.Equal(BackupStatus.Complete, b.Status));
        Assert.Equal(source.BackupId, newest.BackupId);
        Assert.True(full < TimeSpan.FromSeconds(10), $"listing took {full}");
    }
}
