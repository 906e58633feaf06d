using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Tests.Stores;

/// <summary>
/// Starts a real storage server on 127.0.0.1 for the tests of one class and stops it afterwards:
/// Azurite, s3rver (both from tests/services/node_modules, installed by build.ps1 Setup with npm ci)
/// and Debian's OpenSSH sshd. Each gets a free port and a temporary folder of its own.
/// </summary>
public abstract class ServiceFixture : IAsyncLifetime
{
    Process? _process;
    readonly List<string> _log = [];

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"jamey3-svc-{Guid.NewGuid():N}");
    public int Port { get; } = FreePort();

    protected abstract (string File, string[] Arguments) Command();
    protected virtual Task PrepareAsync() => Task.CompletedTask;
    protected virtual IEnumerable<(string, string)> Environment() => [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        await PrepareAsync();
        var (file, arguments) = Command();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Folder };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment()) psi.Environment[k] = v;
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {_process.ExitCode}: {Log}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException($"{Path.GetFileName(file)} did not listen on 127.0.0.1:{Port} within 60 s: {Log}");
    }

    public string Log { get { lock (_log) return string.Join('\n', _log.TakeLast(30)); } }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    internal static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Jamey3.Backup.sln"))) return d.FullName;
            throw new InvalidOperationException("The repository root (Jamey3.Backup.sln) was not found above " + AppContext.BaseDirectory);
        }
    }

    protected static string NodeTool(string name)
    {
        var path = Path.Combine(RepoRoot, "tests", "services", "node_modules", ".bin", name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run 'build.ps1 -Task Setup' (npm ci in tests/services).");
    }
}

/// <summary>Azurite's blob service, with its well-known development account.</summary>
public sealed class AzuriteFixture : ServiceFixture
{
    public const string Account = "devstoreaccount1";
    // The emulator's published development key: not a secret, but treated as one by the tests.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/{Account}");
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={Endpoint};";

    protected override (string, string[]) Command() => (NodeTool("azurite-blob"),
        ["--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", Folder, "--skipApiVersionCheck", "--silent"]);

    public ObjectStoreOptions Options(int? pageSize = null) => new()
    {
        Credential = AzureStorageCredential.FromAccountKey(AccountKey), Endpoint = Endpoint, ListPageSize = pageSize,
    };
}

/// <summary>s3rver, with its default S3RVER/S3RVER key pair.</summary>
public sealed class S3rverFixture : ServiceFixture
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    // s3rver encrypts its continuation tokens with DES, which Node's OpenSSL 3 keeps in the legacy provider.
    protected override IEnumerable<(string, string)> Environment() => [("NODE_OPTIONS", "--openssl-legacy-provider")];

    protected override (string, string[]) Command() => (NodeTool("s3rver"),
        ["--address", "127.0.0.1", "--port", Port.ToString(), "--directory", Folder, "--silent"]);

    /// <summary>The test client settings s3rver needs (GUIDE §4): no aws-chunked bodies, no request checksums, no If-None-Match.</summary>
    public ObjectStoreOptions Options(int? pageSize = null) => new()
    {
        Credential = new S3Credential(AccessKey, SecretKey), Endpoint = Endpoint, Region = "us-east-1",
        RequestChecksumCalculation = S3ChecksumMode.WhenRequired, UseChunkEncoding = false, ConditionalWrites = false,
        ListPageSize = pageSize,
    };
}

/// <summary>OpenSSH's sshd on a high loopback port with a temporary host key and one authorized client key.</summary>
public sealed class SshdFixture : ServiceFixture
{
    public string ClientKey => Path.Combine(Folder, "client");
    public string KnownHosts => Path.Combine(Folder, "known_hosts");
    public string HostFingerprint { get; private set; } = "";
    public string User => System.Environment.UserName;
    /// <summary>A folder the tests own on the server.</summary>
    public string Root => Path.Combine(Folder, "root");

    protected override async Task PrepareAsync()
    {
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Folder, "host"));
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey);
        File.Copy(ClientKey + ".pub", Path.Combine(Folder, "authorized_keys"));
        var hostPub = (await File.ReadAllTextAsync(Path.Combine(Folder, "host.pub"))).Trim().Split(' ');
        await File.WriteAllTextAsync(KnownHosts, $"[127.0.0.1]:{Port} {hostPub[0]} {hostPub[1]}\n");
        var fp = (await Run("ssh-keygen", "-l", "-E", "sha256", "-f", Path.Combine(Folder, "host.pub"))).Split(' ')[1];
        HostFingerprint = fp;
        Directory.CreateDirectory(Root);
        // Privilege separation needs its empty folder when sshd runs as root.
        if (System.Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
        await File.WriteAllTextAsync(Path.Combine(Folder, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(Folder, "host")}
            PidFile {Path.Combine(Folder, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(Folder, "authorized_keys")}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            AllowUsers {User}
            Subsystem sftp internal-sftp
            """);
    }

    protected override (string, string[]) Command()
    {
        var sshd = new[] { "/usr/sbin/sshd", "/usr/bin/sshd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("sshd is not installed: run 'build.ps1 -Task Setup' (Debian openssh-server).");
        return (sshd, ["-D", "-e", "-f", Path.Combine(Folder, "sshd_config")]);
    }

    public StoreLocation Location(string folder) => StoreLocation.Parse($"sftp://{User}@127.0.0.1:{Port}{Path.Combine(Root, folder)}");

    public ObjectStoreOptions Options() => new()
    {
        Credential = SftpCredential.FromPrivateKeyFile(ClientKey), KnownHostsFile = KnownHosts,
    };

    static async Task<string> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0 ? stdout : throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {stderr}");
    }
}
