using System.Security.Cryptography;
using Jamey3.Engine.Backup;
using Jamey3.Engine.History;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Tests.Stores;
using Jamey3.SampleData;
using ZstdSharp;

namespace Jamey3.Engine.Tests.Remote;

/// <summary>
/// Copy-JameyBackup's engine against every real store (a folder, Azurite, s3rver, sshd): publish last, incremental,
/// crash-safe and resumable, self-repairing. Each test copies into a fresh prefix of its own.
/// </summary>
public abstract class RemoteCopyTests : IDisposable
{
    protected readonly TempDirectory Dir = new("copy");
    protected string Repo => Dir.Combine("repo");

    /// <summary>A store rooted at a fresh, empty place.</summary>
    protected abstract Task<IObjectStore> NewStoreAsync();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    protected string NewData(long bytes = 400_000, int seed = 7)
    {
        var path = Dir.Combine($"data-{seed}");
        SampleDataGenerator.Generate(path, bytes, seed);
        return path;
    }

    protected JameyBackup Backup(string data) => new BackupEngine().Run(new BackupRequest(data, Repo));

    protected static async Task<CopyRun> CopyAsync(string repo, IObjectStore store, Func<CopyRequest, CopyRequest>? adjust = null, Action<string>? hook = null)
    {
        var request = new CopyRequest(repo, store);
        if (adjust is not null) request = adjust(request);
        return await new RemoteCopier { StepHook = hook }.CopyAsync(request);
    }

    protected static async Task<List<JameyBackup>> ListAsync(IObjectStore store)
    {
        var remote = await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);
        var list = new List<JameyBackup>();
        await foreach (var b in remote.ListBackupsAsync()) list.Add(b);
        return list;
    }

    protected static async Task<byte[]> ReadAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    /// <summary>
    /// Every object the backup's manifest names is at the destination with the stored hash it records, opens to the
    /// content hash of its part, and the index matches the manifest: the destination alone holds the backup.
    /// </summary>
    protected static async Task AssertWholeAsync(IObjectStore store, string backupId)
    {
        var remote = await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);
        var m = await remote.ReadManifestAsync(backupId);
        var index = await remote.ReadIndexAsync(backupId, m.IndexSha256);
        Assert.Equal(m.Objects.Select(o => o.Name).Distinct().Order(), index.Objects.Select(o => o.Name).Order());
        foreach (var part in m.StoredParts())
        {
            var bytes = await ReadAsync(store, RemoteLayout.ObjectKey(part.Object.Name));
            Assert.Equal(part.Object.StoredSize, bytes.LongLength);
            Assert.Equal(part.Object.StoredSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            using var plain = part.Object.Compression == CompressionAlgorithm.Zstd
                ? (Stream)new DecompressionStream(new MemoryStream(bytes)) : new MemoryStream(bytes);
            Assert.Equal(part.ContentSha256, Convert.ToHexStringLower(SHA256.HashData(plain)));
            Assert.Equal(part.ContentSha256, part.Object.Name);
        }
    }

    [Fact]
    public async Task Copy_publishes_a_sample_backup_that_the_destination_lists_and_holds_whole()
    {
        var b = Backup(NewData());
        await using var store = await NewStoreAsync();
        var keys = new List<string>();
        var run = await CopyAsync(Repo, store, hook: step => { if (step == "manifest") keys.AddRange(KeysAsync(store).GetAwaiter().GetResult()); });

        var r = Assert.Single(run.Results);
        Assert.Empty(run.Failures);
        Assert.Equal(b.BackupId, r.BackupId);
        Assert.True(r.Published);
        Assert.Equal(r.ObjectCount, r.ObjectsSent);
        Assert.Equal(0, r.ObjectsPresent);
        // Each distinct content once: equal files or chunks inside one backup are one object.
        var local = new BackupRepository(Repo).LoadManifest(b.BackupId);
        var distinct = local.Files.SelectMany(f => f.Chunks is null ? [(f.Sha256, f.StoredSize)] : f.Chunks.Select(c => (c.Sha256, c.StoredSize)))
            .DistinctBy(x => x.Item1).ToList();
        Assert.Equal(distinct.Count, r.ObjectCount);
        Assert.Equal(distinct.Sum(x => x.Item2), r.BytesSent);
        // Publish last: when the manifest is about to be written, every object and the index are there, and no manifest.
        Assert.DoesNotContain(keys, k => k.StartsWith(RemoteLayout.ManifestsPrefix, StringComparison.Ordinal));
        Assert.Contains(RemoteLayout.IndexKey(b.BackupId), keys);
        Assert.Equal(r.ObjectCount, keys.Count(k => k.StartsWith(RemoteLayout.DataPrefix, StringComparison.Ordinal)));

        var listed = Assert.Single(await ListAsync(store));
        Assert.Equal(b.BackupId, listed.BackupId);
        Assert.Equal(BackupStatus.Complete, listed.Status);
        Assert.Equal(b.TotalSize, listed.TotalSize);
        Assert.Equal(store.Location.ToString(), listed.RepositoryPath);
        await AssertWholeAsync(store, b.BackupId);
        // The lease is gone, and the run is in the source's history and copy status.
        Assert.DoesNotContain(await KeysAsync(store), k => k.StartsWith(RemoteLayout.LeasesPrefix, StringComparison.Ordinal));
        var status = CopyStatusStore.Load(Path.Combine(Repo, "state"), store.Location.ToString());
        Assert.NotNull(status);
        Assert.Equal(RunOutcome.Succeeded, status.LastOutcome);
        Assert.Equal([b.BackupId], status.BackupIdsAtDestination);
        Assert.Equal(r.BytesSent + r.MetadataBytesSent, status.BytesSentLastRun);
        var last = new RunHistory(Path.Combine(Repo, "state")).Read().Runs.Last();
        Assert.Equal(RunOperation.Copy, last.Operation);
        Assert.True(last.Success);

        // A second run has nothing to do; naming the backup reports it as already there.
        Assert.Empty((await CopyAsync(Repo, store)).Results);
        var again = Assert.Single((await CopyAsync(Repo, store, q => q with { BackupIds = [b.BackupId] })).Results);
        Assert.False(again.Published);
        Assert.Equal(0, again.ObjectsSent);
        Assert.Equal(again.ObjectCount, again.ObjectsPresent);
    }

    [Fact]
    public async Task An_object_deleted_or_cut_short_at_the_destination_is_repaired_by_the_next_copy()
    {
        var b = Backup(NewData());
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store);
        var remote = await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);
        var m = await remote.ReadManifestAsync(b.BackupId);
        var objects = m.Objects.DistinctBy(o => o.Name).Where(o => o.StoredSize > 10).ToList();
        var deleted = objects[0];
        var cut = objects[^1];
        await store.DeleteAsync(RemoteLayout.ObjectKey(deleted.Name));
        var shorter = (await ReadAsync(store, RemoteLayout.ObjectKey(cut.Name)))[..^7];
        await store.WriteAsync(RemoteLayout.ObjectKey(cut.Name), new MemoryStream(shorter), new ObjectWrite(Convert.ToHexStringLower(SHA256.HashData(shorter)), CreateOnly: false));

        var r = Assert.Single((await CopyAsync(Repo, store)).Results);
        Assert.False(r.Published);
        Assert.Equal(2, r.ObjectsSent);
        Assert.Equal(1, r.ObjectsRepaired);
        Assert.Equal(deleted.StoredSize + cut.StoredSize, r.BytesSent);
        await AssertWholeAsync(store, b.BackupId);
    }

    [Fact]
    public async Task An_object_altered_in_place_is_replaced_when_a_check_named_it_or_with_Repair()
    {
        var b = Backup(NewData());
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store);
        var remote = await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);
        var m = await remote.ReadManifestAsync(b.BackupId);
        var victims = m.Objects.DistinctBy(o => o.Name).Where(o => o.StoredSize > 100).Take(2).ToList();
        foreach (var v in victims)
        {
            var bytes = await ReadAsync(store, RemoteLayout.ObjectKey(v.Name));
            bytes[bytes.Length / 2] ^= 0x40; // same size: a listing cannot see it
            await store.WriteAsync(RemoteLayout.ObjectKey(v.Name), new MemoryStream(bytes), new ObjectWrite(Convert.ToHexStringLower(SHA256.HashData(bytes)), CreateOnly: false));
        }
        // An unnamed copy trusts what it listed (it reads nothing back)...
        Assert.Empty((await CopyAsync(Repo, store)).Results);
        // ...a suspect list (what a check found) replaces that object; -Repair re-reads every object.
        var named = Assert.Single((await CopyAsync(Repo, store, q => q with { BackupIds = [b.BackupId], SuspectObjects = [victims[0].Name] })).Results);
        Assert.Equal(1, named.ObjectsRepaired);
        var all = Assert.Single((await CopyAsync(Repo, store, q => q with { BackupIds = [b.BackupId], Repair = true })).Results);
        Assert.Equal(1, all.ObjectsRepaired);
        Assert.Equal(victims[1].StoredSize, all.BytesSent);
        await AssertWholeAsync(store, b.BackupId);
    }

    [Fact]
    public async Task A_copy_crashed_at_any_step_lists_no_backup_and_the_next_copy_resumes()
    {
        var b = Backup(NewData());
        await using var store = await NewStoreAsync();
        var rnd = new Random(42);
        string[] steps = ["leased", "listed", "verified", "uploaded", "uploaded", "index", "manifest"];
        long sentBefore = 0;
        foreach (var step in steps)
        {
            int uploads = 0, crashAfter = rnd.Next(1, 6);
            var e = await Assert.ThrowsAsync<SimulatedCrash>(() => CopyAsync(Repo, store, q => q with { ThrottleLimit = 1 }, s =>
            {
                if (s == step && (s != "uploaded" || ++uploads == crashAfter)) throw new SimulatedCrash(s);
            }));
            Assert.Empty(await ListAsync(store));
            var keys = await KeysAsync(store);
            Assert.DoesNotContain(keys, k => k.StartsWith(RemoteLayout.ManifestsPrefix, StringComparison.Ordinal));
            sentBefore = keys.Count(k => k.StartsWith(RemoteLayout.DataPrefix, StringComparison.Ordinal));
        }
        var r = Assert.Single((await CopyAsync(Repo, store)).Results);
        Assert.True(r.Published);
        Assert.Equal(sentBefore, r.ObjectsPresent); // what arrived before is not sent again
        Assert.Equal(r.ObjectCount, r.ObjectsPresent + r.ObjectsSent);
        await AssertWholeAsync(store, b.BackupId);
        var last = new RunHistory(Path.Combine(Repo, "state")).Read().Runs.TakeLast(2).ToList();
        Assert.False(last[0].Success);
        Assert.True(last[1].Success);
    }

    [Fact]
    public async Task A_damaged_local_backup_is_not_copied_and_the_run_says_so()
    {
        var b = Backup(NewData());
        var m = new BackupRepository(Repo).LoadManifest(b.BackupId);
        var stored = Path.Combine(Repo, "backups", b.BackupId, m.Files.First(f => f.Chunks is null && f.StoredSize > 100).Stored);
        var bytes = File.ReadAllBytes(stored);
        bytes[10] ^= 1;
        File.WriteAllBytes(stored, bytes);
        await using var store = await NewStoreAsync();
        var run = await CopyAsync(Repo, store);
        Assert.Empty(run.Results);
        var f = Assert.Single(run.Failures);
        Assert.Equal("CopySourceNotVerified", ((Errors.JameyException)f.Error).ErrorId);
        Assert.Contains(b.BackupId, f.Error.Message);
        Assert.Empty(await ListAsync(store));
        Assert.DoesNotContain(await KeysAsync(store), k => k.StartsWith(RemoteLayout.DataPrefix, StringComparison.Ordinal));
        Assert.Equal(RunOutcome.Failed, CopyStatusStore.Load(Path.Combine(Repo, "state"), store.Location.ToString())!.LastOutcome);
    }

    protected static async Task<List<string>> KeysAsync(IObjectStore store)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync("")) keys.Add(o.Key);
        return keys;
    }

    protected sealed class SimulatedCrash(string step) : Exception($"simulated crash at {step}");
}

public sealed class LocalFolderCopyTests : RemoteCopyTests
{
    protected override Task<IObjectStore> NewStoreAsync() =>
        Task.FromResult(ObjectStores.Open(Dir.Combine("dest-" + Guid.NewGuid().ToString("N")[..8])));

    [Fact]
    public async Task A_replayed_manifest_lists_as_damaged_naming_the_replay()
    {
        var data = NewData();
        var first = Backup(data);
        Thread.Sleep(5);
        var second = Backup(data);
        await using var store = await NewStoreAsync();
        await CopyAsync(Repo, store);
        // An attacker (or a mistake) puts the first backup's manifest under the second's name.
        var bytes = await ReadAsync(store, RemoteLayout.ManifestKey(first.BackupId));
        await store.WriteAsync(RemoteLayout.ManifestKey(second.BackupId), new MemoryStream(bytes), new ObjectWrite(Convert.ToHexStringLower(SHA256.HashData(bytes)), CreateOnly: false));
        var listed = (await ListAsync(store)).ToDictionary(b => b.BackupId);
        Assert.Equal(BackupStatus.Complete, listed[first.BackupId].Status);
        Assert.Equal(BackupStatus.Damaged, listed[second.BackupId].Status);
        Assert.Contains("replay", listed[second.BackupId].Problem);
        var remote = await RemoteRepository.OpenAsync(store, PlainObjectCodec.Instance);
        var e = await Assert.ThrowsAsync<RemoteManifestException>(() => remote.ReadManifestAsync(second.BackupId));
        Assert.Equal("InvalidManifest", e.ErrorId);
        Assert.Contains(second.BackupId, e.Message);
    }

    [Fact]
    public async Task A_destination_of_another_scheme_or_format_is_refused_before_anything_is_written()
    {
        Backup(NewData());
        await using var store = await NewStoreAsync();
        await store.EnsureExistsAsync(create: true);
        var config = RemoteConfig.New(PlainObjectCodec.Instance, DateTimeOffset.UtcNow) with { Envelope = "age", ObjectNames = "hmac-sha256" };
        var bytes = config.ToJson();
        await store.WriteAsync(RemoteLayout.ConfigKey, new MemoryStream(bytes), new ObjectWrite(RemoteIndex.Sha256Of(bytes)));
        var e = await Assert.ThrowsAsync<RemoteConfigException>(() => CopyAsync(Repo, store));
        Assert.Equal("RemoteSchemeMismatch", e.ErrorId);
        Assert.Equal([RemoteLayout.ConfigKey], await KeysAsync(store));

        await using var newer = await NewStoreAsync();
        await newer.EnsureExistsAsync(create: true);
        var future = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(RemoteConfig.New(PlainObjectCodec.Instance, DateTimeOffset.UtcNow).ToJson()).Replace("\"format\":1", "\"format\":2"));
        await newer.WriteAsync(RemoteLayout.ConfigKey, new MemoryStream(future), new ObjectWrite(RemoteIndex.Sha256Of(future)));
        Assert.Equal("RemoteFormatUnsupported", (await Assert.ThrowsAsync<RemoteConfigException>(() => CopyAsync(Repo, newer))).ErrorId);
    }

    [Fact]
    public async Task The_bandwidth_limit_paces_all_uploads_together()
    {
        var b = Backup(NewData(300_000));
        await using var store = await NewStoreAsync();
        long rate = Math.Max(50_000, b.StoredSize / 2); // about two seconds of sending
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = Assert.Single((await CopyAsync(Repo, store, q => q with { MaxBytesPerSecond = rate, ThrottleLimit = 4 })).Results);
        watch.Stop();
        double minimum = (r.BytesSent - rate / 4.0) / rate; // the bucket's quarter-second burst
        Assert.True(watch.Elapsed.TotalSeconds >= minimum * 0.95, $"{r.BytesSent} bytes at {rate} B/s took {watch.Elapsed.TotalSeconds:0.00} s, expected at least {minimum:0.00} s");
    }
}

public sealed class AzureCopyTests(AzuriteFixture azurite) : RemoteCopyTests, IClassFixture<AzuriteFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"azure://{AzuriteFixture.Account}/copy/{Guid.NewGuid():N}", azurite.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }

    [Fact]
    public async Task A_second_copy_after_a_small_change_sends_at_most_two_percent_of_the_first()
    {
        var data = NewData(112_000_000, seed: 11); // the 1 MiB database chunks a few rows touch (the header one, the tail) must be under 2%
        Backup(data);
        await using var store = await NewStoreAsync();
        var first = Assert.Single((await CopyAsync(Repo, store)).Results);
        // A running Jamey writes a little: a few transactions and index commits, no merges.
        using (var jamey = new JameyWriterSimulator(data, seed: 5, new WriterSimulatorOptions { ForceMergeEveryCommits = 0, SegmentsPerTier = 50, RowsPerTick = 3 }))
            jamey.Tick();
        var b2 = Backup(data);
        var second = Assert.Single((await CopyAsync(Repo, store)).Results);
        Assert.Equal(b2.BackupId, second.BackupId);
        var old = new BackupRepository(Repo).LoadManifest(first.BackupId).Files
            .SelectMany(f => f.Chunks is null ? [f.Sha256] : f.Chunks.Select(c => c.Sha256)).ToHashSet();
        var changed = string.Join(", ", new BackupRepository(Repo).LoadManifest(b2.BackupId).Files
            .SelectMany(f => f.Chunks is null ? [(f.Stored, f.Sha256, f.StoredSize)] : f.Chunks.Select(c => (c.Stored, c.Sha256, c.StoredSize)))
            .Where(x => !old.Contains(x.Item2)).Select(x => $"{x.Item1} {x.Item3}"));
        Assert.True(second.BytesSent <= first.BytesSent * 0.02,
            $"the second copy sent {second.BytesSent} bytes, {100.0 * second.BytesSent / first.BytesSent:0.00}% of the first's {first.BytesSent}: {changed}");
        Assert.True(second.ObjectsPresent > 0);
        Console.WriteLine($"copy to Azurite: first {first.BytesSent} bytes in {first.Duration.TotalSeconds:0.00} s, second {second.BytesSent} bytes ({100.0 * second.BytesSent / first.BytesSent:0.00}%) in {second.Duration.TotalSeconds:0.00} s");
        Assert.Equal(2, (await ListAsync(store)).Count);
        await AssertWholeAsync(store, b2.BackupId);
    }

    [Fact]
    public async Task Credentials_appear_in_no_file_Jamey3_writes()
    {
        var b = Backup(NewData());
        // A wrong key first: the failure is recorded (history, copy status) and must not quote it.
        const string wrongKey = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=";
        var location = $"azure://{AzuriteFixture.Account}/copy/{Guid.NewGuid():N}";
        await using (var bad = ObjectStores.Open(location, azurite.Options() with { Credential = AzureStorageCredential.FromAccountKey(wrongKey) }))
        {
            var e = await Assert.ThrowsAnyAsync<Errors.JameyException>(() => CopyAsync(Repo, bad));
            Assert.DoesNotContain(wrongKey, e.ToString());
        }
        await using (var good = ObjectStores.Open(location, azurite.Options() with { Credential = AzureStorageCredential.FromConnectionString(azurite.ConnectionString) }))
        {
            Assert.Single((await CopyAsync(Repo, good)).Results);
            await AssertWholeAsync(good, b.BackupId);
        }
        var status = CopyStatusStore.Load(Path.Combine(Repo, "state"), location);
        Assert.Equal(RunOutcome.Succeeded, status!.LastOutcome);
        var history = new RunHistory(Path.Combine(Repo, "state")).Read().Runs;
        Assert.Contains(history, h => h.Operation == RunOperation.Copy && !h.Success && h.Error is { Length: > 0 });
        // Everything Jamey3 wrote: the source repository (history, copy status) and, through Azurite's own files, the destination.
        string[] secrets = [wrongKey, AzuriteFixture.AccountKey, azurite.ConnectionString, AzuriteFixture.AccountKey[..20]];
        foreach (var file in Directory.EnumerateFiles(Repo, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(azurite.Folder, "*", SearchOption.AllDirectories)))
        {
            var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file));
            foreach (var s in secrets) Assert.False(text.Contains(s, StringComparison.Ordinal), $"'{file}' holds a credential");
        }
    }
}

public sealed class S3CopyTests(S3rverFixture s3rver) : RemoteCopyTests, IClassFixture<S3rverFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open($"s3://copy/{Guid.NewGuid():N}", s3rver.Options(pageSize: 50));
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}

public sealed class SftpCopyTests(SshdFixture sshd) : RemoteCopyTests, IClassFixture<SshdFixture>
{
    protected override async Task<IObjectStore> NewStoreAsync()
    {
        var store = ObjectStores.Open(sshd.Location(Guid.NewGuid().ToString("N")), sshd.Options());
        await store.EnsureExistsAsync(create: true);
        return store;
    }
}
