using System.Runtime.Loader;
using System.Security.Cryptography;

namespace Jamey3.Engine.Stores;

/// <summary>
/// A hidden entry point for the module tests (tests/Pester/ObjectStores.Tests.ps1), called by reflection
/// inside pwsh before any cmdlet uses the stores: it proves that the stores' SDKs load and work in the
/// module's own load context. Not an API; Copy-JameyBackup will be the public way in.
/// </summary>
internal static class StoreSelfTest
{
    /// <summary>Writes, lists, reads back and deletes one object at <paramref name="location"/> (credentials from the environment); returns a report, one fact per line.</summary>
    public static string[] RoundTrip(string location, int size)
    {
        var report = new List<string>();
        // Touch every store's SDK so each loads (and is reported) even when only one store is exercised.
        foreach (var t in new[] { typeof(Azure.Storage.Blobs.BlobServiceClient), typeof(Azure.Core.TokenCredential), typeof(System.ClientModel.ClientResult),
                     typeof(BinaryData), typeof(System.IO.Hashing.Crc64), typeof(Amazon.S3.AmazonS3Client), typeof(Amazon.Runtime.AWSCredentials), typeof(Renci.SshNet.SftpClient) })
        {
            var a = t.Assembly;
            report.Add($"assembly {a.GetName().Name} {a.GetName().Version} {AssemblyLoadContext.GetLoadContext(a)?.Name}");
        }
        var content = new byte[size];
        RandomNumberGenerator.Fill(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var key = $"selftest/{Guid.NewGuid():N}";
        Task.Run(async () =>
        {
            await using var store = ObjectStores.Open(location);
            await store.EnsureExistsAsync(create: true);
            await store.WriteAsync(key, new MemoryStream(content), new ObjectWrite(sha));
            int listed = 0;
            await foreach (var o in store.ListAsync("selftest/")) if (o.Key == key && o.Size == size) listed++;
            await using var read = await store.OpenReadAsync(key);
            var back = new MemoryStream();
            await read.CopyToAsync(back);
            report.Add($"listed {listed}");
            report.Add($"roundtrip {(back.ToArray().AsSpan().SequenceEqual(content) ? "exact" : "differs")} {back.Length}");
            await store.DeleteAsync(key);
            report.Add($"deleted {(await store.StatAsync(key) is null ? "yes" : "no")}");
        }).GetAwaiter().GetResult();
        return report.ToArray();
    }
}
