using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace Jamey3.Engine.Stores;

/// <summary>
/// Objects as files under a folder on an SFTP server (SSH.NET). A write goes to a '.'-temporary file (created
/// 0600), is hashed on the way, and is renamed into place with plain SFTP rename, which never replaces a file
/// (OpenSSH implements it with link+unlink), so create-only is atomic. The server's host key must match a
/// given fingerprint or the known_hosts file: an unknown key is refused, never trusted on first use.
/// SSH.NET cannot ask the server to fsync, so a write is not guaranteed to survive a crash of the server.
/// </summary>
public sealed class SftpObjectStore : IObjectStore
{
    const int BufferSize = 256 * 1024;
    readonly ConnectionInfo _connection;
    readonly string? _fingerprint;
    readonly string _knownHosts;
    readonly string[] _secrets;
    readonly string _root;
    readonly SemaphoreSlim _connectLock = new(1, 1);
    SftpClient? _client;
    string? _hostKeyProblem;

    SftpObjectStore(StoreLocation location, ConnectionInfo connection, string? fingerprint, string knownHosts, string[] secrets)
    {
        Location = location; _connection = connection; _fingerprint = fingerprint; _knownHosts = knownHosts; _secrets = secrets;
        _root = location.Path!.TrimEnd('/');
    }

    public StoreLocation Location { get; }
    public StoreCapabilities Capabilities { get; } = new(AtomicCreateOnly: true, ServerIntegrityCheck: false, Durable: false);

    internal static SftpObjectStore Create(StoreLocation location, ObjectStoreOptions options)
    {
        if (options.Credential is not null and not SftpCredential)
            throw new ObjectStoreCredentialException(location, $"An {options.Credential.Description} cannot be used for SFTP; give a private key or a password.");
        var user = location.User ?? Environment.UserName;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var methods = new List<AuthenticationMethod>();
        var secrets = new List<string>(options.SecretValues);
        try
        {
            if (options.Credential is SftpCredential c)
            {
                if (c.Password is not null) methods.Add(new PasswordAuthenticationMethod(user, c.Password));
                else if (c.PrivateKeyText is not null)
                    methods.Add(new PrivateKeyAuthenticationMethod(user, new PrivateKeyFile(new MemoryStream(Encoding.UTF8.GetBytes(c.PrivateKeyText)), c.Passphrase)));
                else methods.Add(new PrivateKeyAuthenticationMethod(user, new PrivateKeyFile(c.PrivateKeyFile!, c.Passphrase)));
            }
            else
            {
                // The keys ssh itself tries by default (an agent is not supported).
                var keys = new[] { "id_ed25519", "id_ecdsa", "id_rsa" }
                    .Select(n => Path.Combine(home, ".ssh", n)).Where(File.Exists)
                    .Select(p => (IPrivateKeySource)new PrivateKeyFile(p)).ToArray();
                if (keys.Length == 0)
                    throw new ObjectStoreCredentialException(location, "No credential for SFTP: pass -Credential, or put an unencrypted key in ~/.ssh (id_ed25519, id_ecdsa or id_rsa).");
                methods.Add(new PrivateKeyAuthenticationMethod(user, keys));
            }
        }
        catch (SshException e) { throw new ObjectStoreCredentialException(location, $"The SSH private key could not be read: {Secrets.Scrub(e.Message, secrets)}"); }
        catch (IOException e) { throw new ObjectStoreCredentialException(location, $"The SSH private key could not be read: {e.Message}"); }
        var info = new ConnectionInfo(location.Host!, location.Port, user, methods.ToArray()) { Timeout = TimeSpan.FromSeconds(30) };
        var knownHosts = options.KnownHostsFile ?? Path.Combine(home, ".ssh", "known_hosts");
        return new SftpObjectStore(location, info, options.HostKeyFingerprint, knownHosts, secrets.ToArray());
    }

    async Task<SftpClient> ClientAsync(CancellationToken ct)
    {
        if (_client is { IsConnected: true } ready) return ready;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true } again) return again;
            _client?.Dispose();
            var client = new SftpClient(_connection);
            client.HostKeyReceived += (_, e) => e.CanTrust = TrustHostKey(e);
            try { await client.ConnectAsync(ct).ConfigureAwait(false); }
            catch (SshConnectionException e) when (_hostKeyProblem is not null)
            {
                client.Dispose();
                throw new ObjectStoreAccessDeniedException(Location, null, _hostKeyProblem, e, _secrets);
            }
            catch (Exception e) when (IsStoreFailure(e)) { client.Dispose(); throw Map(e, null); }
            _client = client;
            return client;
        }
        finally { _connectLock.Release(); }
    }

    bool TrustHostKey(HostKeyEventArgs e)
    {
        var presented = "SHA256:" + e.FingerPrintSHA256;
        if (_fingerprint is not null)
        {
            if (string.Equals(_fingerprint.TrimEnd('='), presented, StringComparison.Ordinal)) return true;
            _hostKeyProblem = $"the server's host key {presented} is not the expected {_fingerprint}.";
            return false;
        }
        var hostNames = Location.Port == 22 ? new[] { Location.Host! } : [$"[{Location.Host}]:{Location.Port}"];
        var key = Convert.ToBase64String(e.HostKey);
        try
        {
            if (File.Exists(_knownHosts))
            {
                foreach (var line in File.ReadLines(_knownHosts))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length < 3 || parts[0].StartsWith('#') || parts[0].StartsWith('@')) continue;
                    if (parts[2] == key && hostNames.Any(h => KnownHostMatches(parts[0], h))) return true;
                }
            }
        }
        catch (IOException) { }
        _hostKeyProblem = $"the server's host key {presented} is not in '{_knownHosts}'; add it (ssh-keyscan) or pass its fingerprint.";
        return false;
    }

    static bool KnownHostMatches(string field, string host)
    {
        if (field.StartsWith("|1|", StringComparison.Ordinal))
        {
            // Hashed entry: |1|base64(salt)|base64(HMAC-SHA1(salt, host))
            var bits = field.Split('|');
            if (bits.Length != 4) return false;
            try
            {
                var mac = HMACSHA1.HashData(Convert.FromBase64String(bits[2]), Encoding.UTF8.GetBytes(host));
                return Convert.ToBase64String(mac) == bits[3];
            }
            catch (FormatException) { return false; }
        }
        return field.Split(',').Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));
    }

    string PathOf(string key) => _root + "/" + key;

    public async Task EnsureExistsAsync(bool create, CancellationToken cancellationToken = default)
    {
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await client.ExistsAsync(_root, cancellationToken).ConfigureAwait(false)) return;
            if (!create) throw new ObjectStoreNotFoundException(Location, "folder", null, _secrets);
            await CreateFoldersAsync(client, _root, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, null); }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        int slash = prefix.LastIndexOf('/');
        var pending = new Stack<string>();
        pending.Push(slash < 0 ? "" : prefix[..slash]);
        while (pending.Count > 0)
        {
            var relative = pending.Pop();
            var folder = relative.Length == 0 ? _root : PathOf(relative);
            var entries = new List<ISftpFile>();
            try
            {
                await foreach (var entry in client.ListDirectoryAsync(folder, cancellationToken).ConfigureAwait(false)) entries.Add(entry);
            }
            catch (SftpPathNotFoundException) { continue; }
            catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, null); }
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.')) continue; // ".", "..", and our temporary files
                var key = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                if (entry.IsDirectory)
                {
                    // Only folders that can hold keys with this prefix.
                    if (key.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(key + "/", StringComparison.Ordinal)) pending.Push(key);
                }
                else if (entry.IsRegularFile && key.StartsWith(prefix, StringComparison.Ordinal))
                    yield return new StoredObject(key, entry.Length, new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero));
            }
        }
    }

    public async Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var a = await client.GetAttributesAsync(PathOf(key), cancellationToken).ConfigureAwait(false);
            return a.IsRegularFile ? new StoredObject(key, a.Size, new DateTimeOffset(a.LastWriteTimeUtc, TimeSpan.Zero)) : null;
        }
        catch (SftpPathNotFoundException) { return null; }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        range?.Validate();
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        SftpFileStream file;
        try { file = await client.OpenAsync(PathOf(key), FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false); }
        catch (SftpPathNotFoundException e) { throw new ObjectNotFoundException(Location, key, e, _secrets); }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
        long size = file.Length;
        long offset = range?.Offset ?? 0;
        long length = range?.Length ?? size - offset;
        if (offset > size || offset + length > size)
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw new ObjectRangeException(Location, key, range!.Value, size);
        }
        if (offset > 0) file.Seek(offset, SeekOrigin.Begin);
        return new ExactLengthStream(file, length, n => new ObjectIntegrityException(Location, key, $"the file changed size while it was read ({n} of {length} bytes).", null, _secrets), window: true);
    }

    public async Task<StoredObject> WriteAsync(string key, Stream content, ObjectWrite write, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        var expected = ObjectHash.ParseSha256(write.Sha256);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var target = PathOf(key);
        var folder = target[..target.LastIndexOf('/')];
        var temp = $"{folder}/.{target[(folder.Length + 1)..]}.{Guid.NewGuid():N}.tmp";
        bool tempCreated = false;
        try
        {
            if (write.CreateOnly && await client.ExistsAsync(target, cancellationToken).ConfigureAwait(false))
                throw new ObjectAlreadyExistsException(Location, key, null, _secrets);
            await CreateFoldersAsync(client, folder, cancellationToken).ConfigureAwait(false);
            long written = 0;
            byte[] actual;
            await using (var file = await client.OpenAsync(temp, FileMode.CreateNew, FileAccess.Write, cancellationToken).ConfigureAwait(false))
            {
                tempCreated = true;
                client.ChangePermissions(temp, 600 /* octal digits, as SSH.NET reads them */);
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    while ((n = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        sha.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        written += n;
                    }
                }
                finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                actual = sha.GetHashAndReset();
            }
            if (!actual.AsSpan().SequenceEqual(expected))
                throw new ObjectIntegrityException(Location, key, $"the bytes written hash to {ObjectHash.Hex(actual)}, not the expected {write.Sha256.ToLowerInvariant()}; nothing was stored.", null, _secrets);
            var attrs = await client.GetAttributesAsync(temp, cancellationToken).ConfigureAwait(false);
            if (attrs.Size != written)
                throw new ObjectIntegrityException(Location, key, $"the server holds {attrs.Size} bytes of the {written} sent; nothing was stored.", null, _secrets);
            cancellationToken.ThrowIfCancellationRequested();
            if (write.CreateOnly)
            {
                try { await client.RenameFileAsync(temp, target, cancellationToken).ConfigureAwait(false); }
                catch (SshException e) when (e is not SshConnectionException && client.Exists(target)) { throw new ObjectAlreadyExistsException(Location, key, e, _secrets); }
            }
            else client.RenameFile(temp, target, isPosix: true);
            tempCreated = false;
            return new StoredObject(key, written, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
        finally
        {
            if (tempCreated)
            {
                try { if (client.IsConnected) client.DeleteFile(temp); }
                catch (Exception e) when (IsStoreFailure(e)) { }
            }
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        try { await client.DeleteFileAsync(PathOf(key), cancellationToken).ConfigureAwait(false); }
        catch (SftpPathNotFoundException) { }
        catch (Exception e) when (IsStoreFailure(e)) { throw Map(e, key); }
    }

    async Task CreateFoldersAsync(SftpClient client, string folder, CancellationToken ct)
    {
        if (await client.ExistsAsync(folder, ct).ConfigureAwait(false)) return;
        var parent = folder[..Math.Max(folder.LastIndexOf('/'), 0)];
        if (parent.Length > 0) await CreateFoldersAsync(client, parent, ct).ConfigureAwait(false);
        try
        {
            await client.CreateDirectoryAsync(folder, ct).ConfigureAwait(false);
            client.ChangePermissions(folder, 700 /* octal digits */);
        }
        catch (SshException) when (client.Exists(folder)) { } // a concurrent writer made it
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _connectLock.Dispose();
        return ValueTask.CompletedTask;
    }

    static bool IsStoreFailure(Exception e) => e is SshException or SocketException or IOException or ProxyException;

    ObjectStoreException Map(Exception e, string? key) => e switch
    {
        ObjectStoreException ose => ose,
        SftpPermissionDeniedException => new ObjectStoreAccessDeniedException(Location, key, Secrets.Scrub(e.Message, _secrets), e, _secrets),
        SshAuthenticationException => new ObjectStoreAccessDeniedException(Location, key, $"the server refused the {_connection.AuthenticationMethods.FirstOrDefault()?.Name ?? "SSH"} authentication.", e, _secrets),
        SftpPathNotFoundException when key is not null => new ObjectNotFoundException(Location, key, e, _secrets),
        SshConnectionException or SocketException or ProxyException or SshOperationTimeoutException =>
            new ObjectStoreUnavailableException(Location, key, Secrets.Scrub(e.Message, _secrets), e, _secrets),
        _ => new ObjectStoreRequestException(Location, key, Secrets.Scrub(e.Message, _secrets), e, _secrets),
    };
}
