using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Jamey3.Commands.Loading;

/// <summary>
/// The module's own load context: the engine and its third-party assemblies (Microsoft.Data.Sqlite,
/// SQLitePCLRaw, Lucene.Net, ZstdSharp, prometheus-net...) load here from dependencies/, so a
/// session that already holds other versions of them keeps working, and so do we. Jamey3.Model
/// is deliberately not loaded here: pipeline types must have one identity, the default context's.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    readonly string _directory;

    public DependencyLoadContext(string directory) : base("Jamey3.Dependencies", isCollectible: false)
    {
        _directory = directory;
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name is null || name.Name == "Jamey3.Model") return null; // shared with the default context
        var path = Path.Combine(_directory, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// PowerShell does not probe runtimes/&lt;rid&gt;/native, so native libraries (e_sqlite3) are
    /// resolved here for the running OS and architecture.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeCandidates(unmanagedDllName))
        {
            if (File.Exists(candidate)) return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero; // fall back to the default probing (system libraries such as libc)
    }

    IEnumerable<string> NativeCandidates(string name)
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string[] rids;
        string[] files;
        if (OperatingSystem.IsWindows())
        {
            rids = [$"win-{arch}"];
            files = [name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? name : name + ".dll"];
        }
        else if (OperatingSystem.IsMacOS())
        {
            rids = [$"osx-{arch}", "osx"];
            files = [$"lib{name}.dylib", $"{name}.dylib", name];
        }
        else
        {
            rids = IsMusl() ? [$"linux-musl-{arch}", $"linux-{arch}"] : [$"linux-{arch}"];
            files = [$"lib{name}.so", $"{name}.so", name];
        }
        foreach (var rid in rids)
            foreach (var file in files)
                yield return Path.Combine(_directory, "runtimes", rid, "native", file);
    }

    static bool IsMusl()
    {
        try { return File.ReadAllText("/proc/self/maps").Contains("musl", StringComparison.Ordinal); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
