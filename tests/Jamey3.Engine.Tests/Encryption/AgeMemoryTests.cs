using System.Security.Cryptography;
using Jamey3.Engine.Encryption;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Encryption;

public class AgeMemoryTests
{
    /// <summary>A non-seekable stream of pseudo-random bytes, so no test array holds the whole object.</summary>
    sealed class GeneratedStream(long length, int seed) : Stream
    {
        readonly Random _random = new(seed);
        long _left = length;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _left);
            _random.NextBytes(buffer[..n]);
            _left -= n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Encrypting_and_decrypting_48_MiB_allocates_well_under_a_MiB_and_gives_back_the_same_bytes()
    {
        const long size = 48L * 1024 * 1024 + 5;
        using var dir = new TempDirectory("age-memory");
        using var identity = X25519Identity.Generate();
        var path = dir.Combine("big.age");
        IAgeRecipient[] recipients = [identity.Recipient];
        IAgeIdentity[] identities = [identity];

        long encryptAllocated, decryptAllocated;
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Age.Encrypt(new GeneratedStream(size, 3), file, recipients);
            encryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        var header = new byte[4096];
        using (var start = File.OpenRead(path)) start.ReadExactly(header);
        Assert.Equal(AgeTestData.PayloadStart(header) - AgePayload.NonceSize + AgePayload.EncryptedLength(size), new FileInfo(path).Length);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        using (var hashing = new HashingStream(hash))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(size, Age.Decrypt(file, hashing, identities, path));
            decryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(encryptAllocated < 1024 * 1024, $"encrypting allocated {encryptAllocated} bytes");
        Assert.True(decryptAllocated < 1024 * 1024, $"decrypting allocated {decryptAllocated} bytes");

        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = new GeneratedStream(size, 3);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = source.Read(buffer, 0, buffer.Length)) > 0) expected.AppendData(buffer, 0, n);
        Assert.Equal(expected.GetHashAndReset(), hash.GetHashAndReset());
    }

    sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);
    }
}
