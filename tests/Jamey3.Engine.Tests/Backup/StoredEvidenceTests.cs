using System.Text.RegularExpressions;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.History;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Tests.Infrastructure;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Tests.Backup;

/// <summary>
/// A backup links stored files without reading them only on the evidence that their inode is unchanged since a run
/// read or wrote them; anything that evidence cannot vouch for is read again (docs/repository-format.md).
/// </summary>
public partial class StoredEvidenceTests
{
    static (JameyBackup Backup, int Vouched, int Reread) Run(string data, string repo)
    {
        var observer = new RecordingObserver();
        var backup = new BackupEngine(observer).Run(new BackupRequest(data, repo) { DatabaseChunkSize = 64 * 1024 });
        Assert.DoesNotContain(observer.Warnings, w => w.Contains("damaged", StringComparison.Ordinal));
        var line = observer.Verboses.SingleOrDefault(v => v.StartsWith("Shared ", StringComparison.Ordinal));
        if (line is null) return (backup, 0, 0);
        var m = ProofLine().Match(line);
        Assert.True(m.Success, line);
        return (backup, int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
    }

    static void Touch(params string[] args)
    {
        using var p = System.Diagnostics.Process.Start("touch", args)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [GeneratedRegex(@": (\d+) on the evidence of an unchanged inode, (\d+) read again\.$")]
    private static partial Regex ProofLine();

    static (string Data, BackupRepository Repo, JameyBackup First) FirstBackup(TempDirectory dir)
    {
        var data = TestData.CreateIn(dir);
        var repo = new BackupRepository(dir.Combine("repo"));
        return (data, repo, Run(data, repo.Root).Backup);
    }

    [LinuxFact] // file identities (statx) are read on Linux only; elsewhere every shared file is read again
    public void An_unchanged_backup_links_everything_on_evidence_and_reads_nothing_again()
    {
        using var dir = new TempDirectory("evidence-unchanged");
        var (data, repo, _) = FirstBackup(dir);
        Assert.True(File.Exists(StoredEvidence.PathIn(repo.StateDirectory)));

        var (second, vouched, reread) = Run(data, repo.Root);
        Assert.True(vouched > 10, $"{vouched} vouched");
        Assert.Equal(0, reread);
        // Linking moved every shared inode's ctime; the evidence recorded after it still vouches for the third run.
        var (third, vouched3, reread3) = Run(data, repo.Root);
        Assert.Equal((vouched, 0), (vouched3, reread3));
        Assert.True(new BackupVerifier().Verify(repo, third.BackupId, VerificationMode.Quick).Passed);

        // Retention removing an older backup that shares the files only drops links: still vouched for.
        Directory.Delete(second.Path, recursive: true);
        var (_, vouched4, reread4) = Run(data, repo.Root);
        Assert.Equal((vouched, 0), (vouched4, reread4));
    }

    [LinuxFact] // file identities (statx) are read on Linux only; elsewhere every shared file is read again
    public void Damage_that_puts_the_modification_time_back_is_still_read_again_and_not_linked()
    {
        using var dir = new TempDirectory("evidence-mtime");
        var (data, repo, first) = FirstBackup(dir);
        var m = repo.LoadManifest(first.BackupId);
        var lucene = m.Files.First(f => f.Component == JameyComponent.LongTerm && f.LuceneChecksum is not null && !f.Path.Contains("segments"));
        var stored = Path.Combine(first.Path, lucene.Stored);
        var before = FileStatus.Of(stored)!.Value;
        var reference = dir.Combine("time-reference");
        File.WriteAllBytes(reference, []);
        Touch("-r", stored, reference); // keeps the mtime to the nanosecond
        var bytes = File.ReadAllBytes(stored);
        bytes[bytes.Length / 2] ^= 0x5A;
        using (var fs = new FileStream(stored, FileMode.Open, FileAccess.Write)) fs.Write(bytes); // in place: same inode, same size
        Touch("-r", reference, stored); // and the time put back: only the ctime tells
        var after = FileStatus.Of(stored)!.Value;
        Assert.Equal((before.Inode, before.Size, before.ModifiedNs, before.Links), (after.Inode, after.Size, after.ModifiedNs, after.Links));
        Assert.NotEqual(before.ChangedNs, after.ChangedNs);

        var observer = new RecordingObserver();
        var second = new BackupEngine(observer).Run(new BackupRequest(data, repo.Root) { DatabaseChunkSize = 64 * 1024 });
        var entry = repo.LoadManifest(second.BackupId).Files.Single(f => f.Path == lucene.Path);
        Assert.Null(entry.SharedFrom);
        Assert.Contains(observer.Warnings, w => w.Contains(lucene.Stored, StringComparison.Ordinal));
        Assert.True(new BackupVerifier().Verify(repo, second.BackupId, VerificationMode.Quick).Passed);
    }

    [LinuxFact] // file identities (statx) are read on Linux only; elsewhere every shared file is read again
    public void Evidence_older_than_its_limit_or_older_than_a_failed_verification_is_not_trusted()
    {
        using var dir = new TempDirectory("evidence-age");
        var (data, repo, _) = FirstBackup(dir);
        var path = StoredEvidence.PathIn(repo.StateDirectory);

        // Every entry dated eight days ago: all read again, and dated now afterwards.
        var old = DateTimeOffset.UtcNow.AddDays(-8).ToUnixTimeMilliseconds().ToString();
        File.WriteAllLines(path, File.ReadAllLines(path).Select((l, i) => i == 0 ? l : string.Join('\t', l.Split('\t').Select((f, k) => k == 6 ? old : f))));
        var (_, vouched, reread) = Run(data, repo.Root);
        Assert.Equal(0, vouched);
        Assert.True(reread > 10);
        var again = Run(data, repo.Root);
        Assert.Equal((reread, 0), (again.Vouched, again.Reread));

        // A verification that failed after the evidence was recorded: everything is read again once.
        Thread.Sleep(5);
        new RunHistory(repo.StateDirectory).Record(new RunRecord
        {
            Operation = RunOperation.Verify, StartedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, Success = false, Outcome = RunOutcome.Failed,
        });
        var after = Run(data, repo.Root);
        Assert.Equal((0, reread), (after.Vouched, after.Reread));
        var healed = Run(data, repo.Root);
        Assert.Equal((reread, 0), (healed.Vouched, healed.Reread));

        // A foreign or damaged evidence file vouches for nothing.
        File.WriteAllText(path, "not evidence\n");
        Assert.Equal(0, Run(data, repo.Root).Vouched);
    }
}
