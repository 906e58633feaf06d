using Jamey3.Engine.Errors;
using System.Security.Cryptography;
using System.Text;

namespace Jamey3.Engine.Encryption;

/// <summary>
/// The textual age v1 header: version line, recipient stanzas, and the "---" line with the header MAC.
/// Parsing is strict (canonical base64, 64-column body lines, a short final body line, printable
/// arguments), because the MAC is checked over the bytes as read.
/// </summary>
internal sealed class AgeHeader
{
    public const string VersionLine = "age-encryption.org/v1";
    const string ArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
    const int ColumnsPerLine = 64;
    /// <summary>A bound on header size, so a hostile file cannot make a reader buffer without end.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    public AgeHeader(IReadOnlyList<AgeStanza> stanzas, byte[] macInput, byte[] mac)
    {
        Stanzas = stanzas;
        MacInput = macInput;
        Mac = mac;
    }

    public IReadOnlyList<AgeStanza> Stanzas { get; }
    /// <summary>The header bytes the MAC covers: from the version line up to and including "---".</summary>
    public byte[] MacInput { get; }
    public byte[] Mac { get; }

    public static byte[] ComputeMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> macInput)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, key, ReadOnlySpan<byte>.Empty, "header"u8);
        var mac = HMACSHA256.HashData(key, macInput);
        CryptographicOperations.ZeroMemory(key);
        return mac;
    }

    /// <summary>Encodes the header for the stanzas, with the MAC under the file key, ending in "\n".</summary>
    public static byte[] Encode(IReadOnlyList<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        var sb = new StringBuilder();
        sb.Append(VersionLine).Append('\n');
        foreach (var stanza in stanzas)
        {
            sb.Append("-> ").Append(stanza.Type);
            foreach (var arg in stanza.Arguments) sb.Append(' ').Append(arg);
            sb.Append('\n');
            var body = AgeBase64.Encode(stanza.Body);
            // Full 64-column lines, then always a shorter final line (empty when the body fills the last line).
            var i = 0;
            for (; body.Length - i >= ColumnsPerLine; i += ColumnsPerLine) sb.Append(body, i, ColumnsPerLine).Append('\n');
            sb.Append(body, i, body.Length - i).Append('\n');
        }
        sb.Append("---");
        var macInput = Encoding.ASCII.GetBytes(sb.ToString());
        var mac = ComputeMac(fileKey, macInput);
        return [.. macInput, .. Encoding.ASCII.GetBytes(" " + AgeBase64.Encode(mac) + "\n")];
    }

    /// <summary>
    /// Reads the header from the start of <paramref name="source"/>. Reads in blocks, so bytes after the
    /// header (the payload) may have been read too: they are returned in <paramref name="leftover"/>.
    /// </summary>
    public static AgeHeader Read(Stream source, string name, out byte[] leftover, out long headerLength)
    {
        var reader = new LineReader(source, name);
        var first = reader.ReadLine();
        if (first is null) throw Invalid(name, "the file is empty or has no complete first line.", JameyErrors.AgeHeaderInvalid);
        if (first != VersionLine)
        {
            if (first.StartsWith(ArmorBegin, StringComparison.Ordinal))
                throw Invalid(name, "it is ASCII-armored (PEM); only the binary age format is supported. Remove the armor with 'age -d' first.", JameyErrors.AgeArmorUnsupported);
            if (first.StartsWith("age-encryption.org/", StringComparison.Ordinal))
                throw Invalid(name, "its format version is not age-encryption.org/v1.", JameyErrors.AgeVersionUnsupported);
            throw Invalid(name, "it does not start with the age v1 version line (not an age file?).", JameyErrors.AgeHeaderInvalid);
        }
        var stanzas = new List<AgeStanza>();
        string? line = reader.ReadLine();
        while (true)
        {
            if (line is null) throw Invalid(name, "it ends before the '---' line with the header MAC.", JameyErrors.AgeHeaderInvalid);
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                var macInputLength = reader.LineStart + 3;
                if (!line.StartsWith("--- ", StringComparison.Ordinal) || !AgeBase64.TryDecode(line[4..], out var mac) || mac.Length != 32)
                    throw Invalid(name, "its MAC line is malformed.", JameyErrors.AgeHeaderInvalid);
                leftover = reader.Remaining();
                headerLength = reader.Position;
                return new AgeHeader(stanzas, reader.Bytes(0, macInputLength), mac);
            }
            if (!line.StartsWith("-> ", StringComparison.Ordinal))
                throw Invalid(name, $"line {reader.LineNumber} is neither a stanza nor the MAC line.", JameyErrors.AgeHeaderInvalid);
            var args = line[3..].Split(' ');
            foreach (var arg in args)
            {
                if (arg.Length == 0 || arg.Any(c => c < 0x21 || c > 0x7e))
                    throw Invalid(name, $"line {reader.LineNumber} has an empty stanza argument or a character that is not printable ASCII.", JameyErrors.AgeHeaderInvalid);
            }
            var body = new StringBuilder();
            while (true)
            {
                var bodyLine = reader.ReadLine() ?? throw Invalid(name, "a stanza body is cut short.", JameyErrors.AgeHeaderInvalid);
                if (bodyLine.Length > ColumnsPerLine)
                    throw Invalid(name, $"line {reader.LineNumber} is longer than {ColumnsPerLine} columns.", JameyErrors.AgeHeaderInvalid);
                body.Append(bodyLine);
                if (bodyLine.Length < ColumnsPerLine) break;
            }
            if (!AgeBase64.TryDecode(body.ToString(), out var bodyBytes))
                throw Invalid(name, $"the body of the stanza ending at line {reader.LineNumber} is not canonical base64.", JameyErrors.AgeHeaderInvalid);
            stanzas.Add(new AgeStanza(args[0], args[1..], bodyBytes));
            line = reader.ReadLine();
        }
    }

    /// <summary>
    /// Reads the header without blocking on <paramref name="source"/> (a network stream): the header bytes
    /// are gathered asynchronously up to the MAC line's end (a stanza body line never starts with '-', so the
    /// first "\n---" is that line), then parsed as <see cref="Read"/> parses them.
    /// </summary>
    public static async Task<(AgeHeader Header, byte[] Leftover, long HeaderLength)> ReadAsync(Stream source, string name, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var block = new byte[4096];
        var searchFrom = 0;
        var macLine = -1;
        while (buffer.Length < MaxHeaderBytes)
        {
            var n = await source.ReadAsync(block, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            buffer.Write(block, 0, n);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            if (macLine < 0)
            {
                var at = bytes[searchFrom..].IndexOf("\n---"u8);
                if (at >= 0) macLine = searchFrom + at;
                else searchFrom = Math.Max(0, bytes.Length - 3); // "\n---" may straddle two reads
            }
            if (macLine >= 0 && bytes[(macLine + 1)..].IndexOf((byte)'\n') >= 0) break;
        }
        buffer.Position = 0;
        var header = Read(buffer, name, out var leftover, out var length);
        var rest = buffer.GetBuffer().AsSpan((int)buffer.Position, (int)(buffer.Length - buffer.Position));
        return (header, [.. leftover, .. rest], length);
    }

    static AgeHeaderException Invalid(string name, string reason, JameyError error) => new(error, name, reason);

    /// <summary>Reads LF-terminated ASCII lines from a stream in blocks, within <see cref="MaxHeaderBytes"/>.</summary>
    sealed class LineReader(Stream source, string name)
    {
        byte[] _buffer = new byte[4096];
        int _length;
        int _position;
        bool _eof;

        public int LineStart { get; private set; }
        public int LineNumber { get; private set; }
        public int Position => _position;

        public string? ReadLine()
        {
            while (true)
            {
                var nl = Array.IndexOf(_buffer, (byte)'\n', _position, _length - _position);
                if (nl >= 0)
                {
                    LineStart = _position;
                    LineNumber++;
                    for (var i = _position; i < nl; i++)
                    {
                        // Header text is printable ASCII and spaces; a CR (CRLF line ends) or binary is damage.
                        if (_buffer[i] < 0x20 || _buffer[i] > 0x7e)
                            throw Invalid(name, $"line {LineNumber} has a byte that is not printable ASCII (0x{_buffer[i]:x2}).", JameyErrors.AgeHeaderInvalid);
                    }
                    var line = Encoding.ASCII.GetString(_buffer, _position, nl - _position);
                    _position = nl + 1;
                    return line;
                }
                if (_eof) return null;
                if (_length == _buffer.Length)
                {
                    if (_buffer.Length >= MaxHeaderBytes)
                        throw Invalid(name, $"no end of header within {MaxHeaderBytes} bytes.", JameyErrors.AgeHeaderInvalid);
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                // At most 4 KiB a read, so what is read past the header stays below one payload chunk.
                var n = source.Read(_buffer, _length, Math.Min(4096, _buffer.Length - _length));
                if (n == 0) _eof = true;
                _length += n;
            }
        }

        public byte[] Bytes(int start, int count) => _buffer.AsSpan(start, count).ToArray();
        public byte[] Remaining() => _buffer.AsSpan(_position, _length - _position).ToArray();
    }
}
