using System.Runtime.InteropServices;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.IO;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>A fact that needs Unix (symbolic links without privileges, FIFOs, permission bits): reported as skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs Unix permission bits, symbolic links and FIFOs";
    }
}

/// <summary>A backup reads only regular files inside the data directory, and keeps what it stores from other accounts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SourceSafetyTests
{
    /// <summary>A file of the index's commit that Lucene does not read to list the commit (not segments_N, .si or a lock).</summary>
    static string DataFileOf(string folder) => Directory.EnumerateFiles(folder)
        .Where(f => !Path.GetFileName(f).StartsWith("segments", StringComparison.Ordinal) && !f.EndsWith(".si", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal))
        .OrderByDescending(f => new FileInfo(f).Length).First();

    static void AssertRefusedAndNothingPublished(string data, string repo, string offending)
    {
        var e = Assert.Throws<UnsafeDataPathException>(() => new BackupEngine().Run(new BackupRequest(data, repo)));
        Assert.Equal("UnsafeDataPath", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidData, e.Kind);
        Assert.Equal(offending, e.Target);
        Assert.Contains(offending, e.Message);
        var r = new BackupRepository(repo);
        Assert.DoesNotContain(r.List(), b => b.Status == BackupStatus.Complete);
        Assert.False(Directory.Exists(r.StagingDirectory) && Directory.EnumerateFileSystemEntries(r.StagingDirectory).Any(), "staging was left behind");
        Assert.False(new RunHistory(r.StateDirectory).Read().Latest[RunOperation.Backup].LastAttempt!.Success);
    }

    [UnixFact]
    public void A_Lucene_file_replaced_by_a_link_to_a_file_outside_the_data_directory_is_refused_and_named()
    {
        using var dir = new TempDirectory("link-file");
        var data = TestData.CreateIn(dir);
        var folder = DataLayout.FullPath(data, JameyComponent.LongTerm);
        var victim = DataFileOf(folder);
        // The link points at a copy of the real bytes outside the data directory, so Lucene itself reads it happily.
        var outside = dir.Combine("secret" + Path.GetExtension(victim));
        File.Move(victim, outside);
        File.CreateSymbolicLink(victim, outside);

        AssertRefusedAndNothingPublished(data, dir.Combine("repo"), victim);
    }

    [UnixFact]
    public void A_component_folder_or_database_that_is_a_link_is_refused_and_named()
    {
        using var dir = new TempDirectory("link-folder");
        var data = TestData.CreateIn(dir);
        var working = DataLayout.FullPath(data, JameyComponent.Working);
        var moved = dir.Combine("elsewhere-working");
        Directory.Move(working, moved);
        Directory.CreateSymbolicLink(working, moved);
        AssertRefusedAndNothingPublished(data, dir.Combine("repo1"), working);
        Directory.Delete(working);
        Directory.Move(moved, working);

        var db = DataLayout.FullPath(data, JameyComponent.Database);
        var movedDb = dir.Combine("elsewhere.db");
        File.Move(db, movedDb);
        File.CreateSymbolicLink(db, movedDb);
        AssertRefusedAndNothingPublished(data, dir.Combine("repo2"), db);
    }

    [UnixFact]
    public void A_commit_file_that_is_a_FIFO_is_refused_without_blocking()
    {
        using var dir = new TempDirectory("fifo");
        var data = TestData.CreateIn(dir);
        var folder = DataLayout.FullPath(data, JameyComponent.Episodic);
        var victim = DataFileOf(folder);
        File.Delete(victim);
        Assert.Equal(0, MkFifo(victim, 0x180));

        var run = Task.Run(() => AssertRefusedAndNothingPublished(data, dir.Combine("repo"), victim));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the backup blocked on a FIFO");
    }

    /// <summary>The O_NOFOLLOW open alone (what stops a link swapped in after the folder was checked).</summary>
    [UnixFact]
    public void Opening_without_following_refuses_a_link_but_opens_a_file()
    {
        using var dir = new TempDirectory("nofollow");
        var file = dir.Combine("real");
        File.WriteAllText(file, "data");
        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, file);
        Assert.Null(Durability.OpenNoFollow(link));
        using var fs = Durability.OpenNoFollow(file);
        Assert.NotNull(fs);
        Assert.Equal(4, fs!.Length);
        Assert.Throws<FileNotFoundException>(() => Durability.OpenNoFollow(dir.Combine("missing")));
    }

    const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [UnixFact]
    public void Under_umask_022_the_repository_and_its_files_are_the_owners_alone_and_each_file_records_its_mode()
    {
        using var dir = new TempDirectory("modes");
        var data = TestData.CreateIn(dir);
        foreach (var d in Directory.EnumerateDirectories(data, "*", SearchOption.AllDirectories).Append(data))
            File.SetUnixFileMode(d, Durability.PrivateDirectoryMode);
        foreach (var f in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var db = DataLayout.FullPath(data, JameyComponent.Database);
        File.SetUnixFileMode(db, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead); // 0640 is recorded as it is
        var repo = new BackupRepository(dir.Combine("repo"));

        var old = Umask(0x12); // 022
        try
        {
            var first = new BackupEngine().Run(new BackupRequest(data, repo.Root));
            var second = new BackupEngine().Run(new BackupRequest(data, repo.Root)); // shares: links keep the stored mode
            foreach (var id in new[] { first.BackupId, second.BackupId })
            {
                var m = repo.LoadManifest(id);
                Assert.Equal("0640", m.Files.Single(f => f.Component == JameyComponent.Database).Mode);
                Assert.All(m.Files.Where(f => f.Component != JameyComponent.Database), f => Assert.Equal("0600", f.Mode));
            }
        }
        finally
        {
            Umask(old);
        }

        Assert.Equal(Durability.PrivateDirectoryMode, File.GetUnixFileMode(repo.Root));
        foreach (var d in Directory.EnumerateDirectories(repo.Root, "*", SearchOption.AllDirectories))
            Assert.True((File.GetUnixFileMode(d) & GroupOrOther) == 0, $"{d} is {File.GetUnixFileMode(d)}");
        var stored = Directory.EnumerateFiles(repo.BackupsDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.True(stored.Count > 20);
        foreach (var f in stored.Append(new RunHistory(repo.StateDirectory).FilePath))
            Assert.True((File.GetUnixFileMode(f) & GroupOrOther) == 0, $"{f} is {File.GetUnixFileMode(f)}");
    }

    [UnixFact]
    public void Folders_an_older_version_left_world_readable_are_tightened()
    {
        using var dir = new TempDirectory("tighten");
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
            UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        foreach (var d in new[] { repo.Root, repo.BackupsDirectory, repo.StateDirectory })
        {
            Directory.CreateDirectory(d);
            File.SetUnixFileMode(d, open);
        }
        new BackupEngine().Run(new BackupRequest(data, repo.Root));
        Assert.Equal(open, File.GetUnixFileMode(repo.Root)); // the operator's own folder is theirs to set
        Assert.Equal(Durability.PrivateDirectoryMode, File.GetUnixFileMode(repo.BackupsDirectory));
        Assert.Equal(Durability.PrivateDirectoryMode, File.GetUnixFileMode(repo.StateDirectory));
    }

    [DllImport("libc", EntryPoint = "umask")]
    static extern int Umask(int mask);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    static extern int MkFifo(string path, int mode);
}
