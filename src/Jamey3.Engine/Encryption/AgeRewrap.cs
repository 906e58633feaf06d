using System.Security.Cryptography;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// Re-wraps an age file for a new set of recipients without re-encrypting it: the payload depends only
/// on the file key and the nonce, so a key holder unwraps the file key and writes a new header (new
/// stanzas, new MAC) in front of the payload, byte for byte. This is how a recipient is added to or
/// removed from files already written.
/// </summary>
public static class AgeRewrap
{
    /// <summary>
    /// Writes <paramref name="source"/> re-wrapped for <paramref name="recipients"/> to
    /// <paramref name="destination"/>. Every chunk is authenticated on the way, so a damaged file is
    /// never passed on as a healthy one: on an exception the destination holds a partial file to discard.
    /// Returns the plaintext length.
    /// </summary>
    public static long Rewrap(Stream source, Stream destination, IReadOnlyList<IAgeIdentity> identities,
        IReadOnlyList<IAgeRecipient> recipients, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        AgeEncryptingStream.CheckRecipients(recipients);
        var header = AgeHeader.Read(source, name, out var leftover, out var headerLength);
        var fileKey = AgeDecryptingStream.UnwrapFileKey(header, identities, name);
        try
        {
            // Check the old header's MAC before anything is written for it.
            if (!CryptographicOperations.FixedTimeEquals(AgeHeader.ComputeMac(fileKey, header.MacInput), header.Mac))
                throw new AgeHeaderMacException(name);
            destination.Write(AgeHeader.Encode(recipients.Select(r => r.Wrap(fileKey)).ToList(), fileKey));
            destination.Write(leftover);
            using var tee = new CopyingReadStream(source, destination);
            using var payload = AgeDecryptingStream.OpenPayload(tee, leaveOpen: true, name, header, headerLength, fileKey, leftover);
            var buffer = new byte[AgePayload.ChunkSize];
            long total = 0;
            int n;
            while ((n = payload.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                total += n;
            }
            CryptographicOperations.ZeroMemory(buffer);
            destination.Flush();
            return total;
        }
        finally { CryptographicOperations.ZeroMemory(fileKey); }
    }

    /// <summary>Re-wraps a file into a new file that appears under its name only once every chunk authenticated.</summary>
    public static long RewrapFile(string inputPath, string outputPath, IReadOnlyList<IAgeIdentity> identities,
        IReadOnlyList<IAgeRecipient> recipients, CancellationToken cancellationToken)
    {
        using var input = Age.OpenInput(inputPath);
        return Age.WriteStaged(outputPath, output => Rewrap(input, output, identities, recipients, inputPath, cancellationToken));
    }

    /// <summary>A read-only view of a stream that copies every byte read to a second stream.</summary>
    sealed class CopyingReadStream(Stream source, Stream copy) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = source.Read(buffer);
            copy.Write(buffer[..n]);
            return n;
        }
    }
}
