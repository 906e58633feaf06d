using Jamey3.Engine.Encryption;
using static Jamey3.Engine.Tests.Encryption.AgeTestData;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>The asynchronous path, as a network stream (a store's response body) drives it.</summary>
public class AgeAsyncTests
{
    /// <summary>Hands out at most <paramref name="step"/> bytes a read and refuses synchronous reads.</summary>
    sealed class TrickleStream(byte[] data, int step) : Stream
    {
        int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous read");
        public override int Read(Span<byte> buffer) => throw new InvalidOperationException("synchronous read");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(step, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    static readonly X25519Identity Identity = X25519Identity.Generate();

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(Chunk, 7, 1)]
    [InlineData(Chunk + 1, 5000, 60)]
    [InlineData(2 * Chunk + 3, 1, 60)]
    public async Task Decrypts_from_a_stream_that_trickles_and_never_reads_synchronously(int size, int step, int recipients)
    {
        var plain = Plaintext(size, seed: size + step);
        IAgeRecipient[] to = [.. Enumerable.Range(0, recipients - 1).Select(_ => (IAgeRecipient)X25519Identity.Generate().Recipient), Identity.Recipient];
        var file = new MemoryStream();
        await Age.EncryptAsync(new MemoryStream(plain), file, to);
        var bytes = file.ToArray();
        if (recipients > 1) Assert.True(PayloadStart(bytes) > 4096, "the header should span several 4 KiB reads");
        var output = new MemoryStream();
        Assert.Equal(size, await Age.DecryptAsync(new TrickleStream(bytes, step), output, [Identity], "trickle.age"));
        Assert.Equal(plain, output.ToArray());
    }

    [Fact]
    public async Task Damage_is_reported_the_same_way_on_the_asynchronous_path()
    {
        var bytes = Encrypt(Plaintext(2 * Chunk + 10), Identity.Recipient);
        var payload = PayloadStart(bytes);
        var truncated = await Assert.ThrowsAsync<AgePayloadException>(() =>
            Age.DecryptAsync(new TrickleStream(bytes[..(payload + EncryptedChunk)], 3000), Stream.Null, [Identity], "cut.age"));
        Assert.Equal("AgePayloadTruncated", truncated.ErrorId);
        var noNonce = await Assert.ThrowsAsync<AgePayloadException>(() =>
            Age.DecryptAsync(new TrickleStream(bytes[..(payload - 4)], 1), Stream.Null, [Identity], "nonce.age"));
        Assert.Equal("AgePayloadTruncated", noNonce.ErrorId);
        var changed = (byte[])bytes.Clone();
        changed[payload + EncryptedChunk + 1] ^= 4;
        var e = await Assert.ThrowsAsync<AgePayloadException>(() => Age.DecryptAsync(new TrickleStream(changed, 4096), Stream.Null, [Identity], "changed.age"));
        Assert.Equal(1, e.ChunkIndex);
        await Assert.ThrowsAsync<AgeHeaderMacException>(() => Age.DecryptAsync(
            new TrickleStream(System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(bytes).Replace("\n--- ", "\n-> x\n\n--- ")), 2), Stream.Null, [Identity], "mac.age"));
    }
}
