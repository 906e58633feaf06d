using System.Diagnostics;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Storage;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Verification;

namespace Jamey3.Engine.Remote;

/// <summary>
/// What a sampled check re-reads: <see cref="Percent"/> of the backup's objects, and/or objects up to
/// <see cref="Bytes"/> stored bytes (both given: whichever is reached first), chosen at random per run (as restic's
/// <c>check --read-data-subset</c>) so that repeated daily samples cover the repository. At least one object is read.
/// <see cref="Seed"/> makes the choice repeatable (tests).
/// </summary>
public sealed record RemoteSample(double? Percent = null, long? Bytes = null, int? Seed = null)
{
    public void Validate()
    {
        if (Percent is null && Bytes is null) throw new JameyException(JameyErrors.InvalidSample, "A sampled check needs a share (percent) or a byte budget.", null);
        if (Percent is { } p && (double.IsNaN(p) || p <= 0 || p > 100))
            throw new JameyException(JameyErrors.InvalidSample, $"The sample share {p}% is not between 0 (excluded) and 100.", p);
        if (Bytes is <= 0) throw new JameyException(JameyErrors.InvalidSample, $"The sample budget {Bytes} bytes is not positive.", Bytes);
    }
}

/// <summary>
/// Test-JameyBackup on a remote repository (docs/remote-format.md, "Listing, verifying, restoring"). Quick and Full run
/// <see cref="BackupVerifier"/> on the backup read through <see cref="RemoteStoredParts"/>, so they make exactly the local
/// checks (Full: every object read, stored and content hashes, the files rebuilt, integrity_check, CheckIndex, counts).
/// Sampled reads only the chosen objects: each is checked against its size in one listing of <c>data/</c>, its stored
/// SHA-256 from the index, and, opened and decompressed, the content hash its name was made from. Every problem names
/// the object's key and the file it belongs to. The only write: a failed check leaves a damage report naming the damaged
/// objects (<see cref="RemoteDamageReport"/>), which the next copy uses to replace them.
/// </summary>
public sealed class RemoteVerifier(IOperationObserver? observer = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    const string Activity = "Verifying Jamey backup";

    public string? TemporaryRoot { get; init; }

    public JameyBackupTestResult Verify(RemoteBackupSource source, string backupId, VerificationMode mode, RemoteSample? sample = null,
        CancellationToken ct = default)
    {
        if (mode == VerificationMode.Sampled) (sample ?? throw new ArgumentNullException(nameof(sample))).Validate();
        // A host without the private key checks stored hashes from the authenticated index (encryption).
        if (!source.Repository.Codec.CanOpen)
        {
            var written = WriteOnlyRemote.Verify(source, backupId, mode, sample, _observer, ct);
            RemoteDamageReport.WriteFor(source.Repository, written, _observer, ct);
            return written;
        }
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var path = source.Repository.ManifestSource(backupId);
        BackupContent content;
        RemoteManifest manifest;
        RemoteIndex index;
        try
        {
            (content, manifest, index) = RemoteBackupSource.Wait(source.OpenBackupAsync(backupId, ct));
        }
        catch (RemoteManifestException e)
        {
            return new JameyBackupTestResult
            {
                BackupId = backupId, Path = path, Mode = mode, TestedAt = started, Passed = false, Duration = watch.Elapsed,
                BackupTimestamp = BackupRepository.TimeFromId(backupId) ?? default,
                Problems = [new JameyBackupProblem { File = e.Target as string, Message = e.Message }],
            };
        }
        JameyBackupTestResult result;
        if (mode != VerificationMode.Sampled)
        {
            result = new BackupVerifier(_observer) { TemporaryRoot = TemporaryRoot }.Verify(content, mode, ct);
        }
        else
        {
            result = new JameyBackupTestResult { BackupId = backupId, Mode = mode, TestedAt = started, BackupTimestamp = manifest.Manifest.CreatedAt };
            var problems = CheckSample(source, manifest, index, sample!, result, ct);
            result.Problems = problems.ToArray();
            result.Passed = problems.Count == 0;
            result.Components = manifest.Manifest.Components.Select(c => new JameyComponentTestResult
            {
                Component = c.Component,
                Passed = problems.All(p => p.Component != c.Component),
                Problems = problems.Where(p => p.Component == c.Component).Select(p => p.ToString()).ToArray(),
            }).ToArray();
        }
        result.Path = path;
        RemoteDamageReport.WriteFor(source.Repository, result, _observer, ct);
        result.Duration = watch.Elapsed;
        return result;
    }

    /// <summary>The names a sample reads: a random order of the index's objects, cut at the share or the byte budget.</summary>
    public static List<RemoteIndexEntry> Choose(IReadOnlyList<RemoteIndexEntry> objects, RemoteSample sample)
    {
        var random = sample.Seed is { } seed ? new Random(seed) : Random.Shared;
        var order = objects.ToArray();
        random.Shuffle(order);
        int byShare = sample.Percent is { } p ? (int)Math.Ceiling(order.Length * p / 100.0) : order.Length;
        var chosen = new List<RemoteIndexEntry>();
        long bytes = 0;
        foreach (var o in order)
        {
            if (chosen.Count >= Math.Max(1, byShare)) break;
            if (sample.Bytes is { } budget && chosen.Count > 0 && bytes + o.StoredSize > budget) continue; // a smaller one may still fit
            chosen.Add(o);
            bytes += o.StoredSize;
        }
        return chosen;
    }

    List<JameyBackupProblem> CheckSample(RemoteBackupSource source, RemoteManifest manifest, RemoteIndex index, RemoteSample sample,
        JameyBackupTestResult result, CancellationToken ct)
    {
        var problems = new List<JameyBackupProblem>();
        var repo = source.Repository;
        var present = RemoteBackupSource.Wait(repo.ListObjectsAsync(ct));
        var chosen = Choose(index.Objects, sample);
        var partsOf = manifest.StoredParts().ToLookup(p => p.Object.Name, StringComparer.Ordinal);
        var progress = new ByteProgress(_observer, Activity, chosen.Count, chosen.Sum(o => o.StoredSize));
        _observer.Verbose($"Sampled check of backup {manifest.BackupId}: {chosen.Count} of {index.Objects.Count} object(s), " +
            $"{HumanUnits.Bytes(chosen.Sum(o => o.StoredSize))} of {HumanUnits.Bytes(index.Objects.Sum(o => o.StoredSize))}.");
        // Every object's presence and size come from the one listing: a missing object is found whatever the sample.
        foreach (var o in index.Objects)
        {
            var key = RemoteLayout.ObjectKey(o.Name);
            string? problem = !present.TryGetValue(o.Name, out var size) ? $"is missing at the destination (object '{key}')"
                : size != o.StoredSize ? $"is {size} bytes at the destination (object '{key}'), the index says {o.StoredSize}" : null;
            if (problem is not null) Add(problems, partsOf[o.Name], problem);
        }
        for (int i = 0; i < chosen.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var o = chosen[i];
            var key = RemoteLayout.ObjectKey(o.Name);
            progress.StartItem(i, key);
            if (!present.ContainsKey(o.Name)) continue; // already reported
            var part = partsOf[o.Name].First();
            VerifyingStream? sealedBytes = null;
            try
            {
                // Stored bytes against the index's hash, then (opened and decompressed) the content against its name.
                var raw = RemoteBackupSource.Wait(repo.OpenObjectAsync(o.Name, ct));
                sealedBytes = new VerifyingStream(raw, o.StoredSize, o.StoredSha256, $"object '{key}'", "stored");
                using var opened = repo.Codec.Open(new NonClosing(sealedBytes), key);
                using var content = new VerifyingStream(ContentStore.OpenContent(opened, part.Object.Compression), part.Size, part.ContentSha256,
                    $"object '{key}'", "content");
                ContentStore.Hash(new BoundedReadStream(content, part.Size, leaveOpen: true), null, ct);
                Drain(sealedBytes); // the stored hash covers every stored byte, also any after the content's end
                result.BytesChecked += o.StoredSize;
                progress.Add(o.StoredSize);
            }
            catch (ObjectNotFoundException) { Add(problems, partsOf[o.Name], $"is missing at the destination (object '{key}')"); }
            catch (Exception e) when (e is InvalidDataException or IOException or ZstdSharp.ZstdException or ContentTooLongException || JameyKinds.IsInvalidData(e))
            {
                // Bytes altered at the destination usually break decompression (or the envelope) before the stored hash is
                // complete: read the rest, so the report says what happened (the stored bytes changed) when it did.
                var stored = StoredVerdict(sealedBytes);
                Add(problems, partsOf[o.Name], stored ?? (e.Message.StartsWith("object '", StringComparison.Ordinal) ? e.Message : $"object '{key}' could not be read: {e.Message}"));
            }
            finally
            {
                sealedBytes?.Dispose();
            }
            result.FilesChecked++;
        }
        _observer.Progress(new JameyProgress(Activity, "Done", 1, 1, result.BytesChecked, result.BytesChecked, Completed: true));
        return problems;
    }

    /// <summary>The stored-hash failure of an object whose reading stopped early, or null when its stored bytes are intact (or unreadable).</summary>
    static string? StoredVerdict(VerifyingStream? sealedBytes)
    {
        if (sealedBytes is null) return null;
        try { Drain(sealedBytes); return null; }
        catch (InvalidDataException e) { return e.Message; }
        catch (Exception e) when (e is IOException or ObjectStoreException) { return null; }
    }

    /// <summary>Leaves the stream open when the reader on top of it is disposed (the stored check still needs it).</summary>
    sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    static void Drain(Stream s)
    {
        var buffer = new byte[1 << 16];
        while (s.Read(buffer, 0, buffer.Length) > 0) { }
    }

    /// <summary>One problem per file (a database chunk, a Lucene file) that uses the object: the files someone can look at.</summary>
    static void Add(List<JameyBackupProblem> problems, IEnumerable<RemoteStoredPart> parts, string message)
    {
        foreach (var p in parts)
        {
            var stored = p.File.Chunks is null ? p.File.Stored : p.File.Chunks[p.Index].Stored;
            problems.Add(new JameyBackupProblem { Component = p.File.Component, File = stored, Message = message });
        }
    }
}
