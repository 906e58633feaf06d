namespace Jamey3.Engine.Scheduling;

/// <summary>
/// Which pwsh a schedule runs. A schedule runs for months; the pwsh it names must stay where it is. A pwsh that runs
/// from a package cache (a local dotnet tool lives in ~/.nuget/packages/powershell/&lt;version&gt;, a global one in
/// ~/.dotnet/tools/.store) disappears when the cache is cleared or the tool is updated, and every run then fails
/// before it can log anything. An installed pwsh (/usr/bin/pwsh, /opt/microsoft/powershell/7/pwsh,
/// C:\Program Files\PowerShell\7\pwsh.exe) or a path the user chose does not.
/// </summary>
public static class PwshLocation
{
    /// <summary>The folders of package caches on this machine: NUGET_PACKAGES, ~/.nuget/packages, ~/.dotnet/tools/.store.</summary>
    public static IReadOnlyList<string> PackageCaches(Func<string, string?>? getVariable = null, string? home = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var caches = new List<string>();
        if (getVariable("NUGET_PACKAGES") is { Length: > 0 } nuget && Path.IsPathFullyQualified(nuget)) caches.Add(nuget);
        if (!string.IsNullOrEmpty(home))
        {
            caches.Add(Path.Combine(home, ".nuget", "packages"));
            caches.Add(Path.Combine(home, ".dotnet", "tools", ".store"));
        }
        return caches.Select(c => Path.TrimEndingDirectorySeparator(Path.GetFullPath(c))).Distinct().ToList();
    }

    /// <summary>
    /// The package cache holding <paramref name="path"/>, or null. Links are followed, so a link outside the cache that
    /// points into it is reported too (it breaks just the same when the cache is cleared).
    /// </summary>
    public static string? CacheHolding(string path, IReadOnlyList<string>? caches = null)
    {
        caches ??= PackageCaches();
        foreach (var candidate in new[] { Path.GetFullPath(path), ResolveLinks(path) }.Distinct())
        {
            var cache = caches.FirstOrDefault(c => IsUnder(candidate, c));
            if (cache is not null) return cache;
        }
        return null;
    }

    /// <summary>
    /// The argument vector that starts <paramref name="pwshPath"/>: the executable itself, or, for pwsh.dll (a
    /// framework-dependent pwsh), <paramref name="dotnetHost"/> followed by the dll.
    /// </summary>
    public static string[] Command(string pwshPath, string? dotnetHost)
    {
        var full = Path.GetFullPath(pwshPath);
        if (!full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return [full];
        if (string.IsNullOrEmpty(dotnetHost))
            throw ScheduleErrors.BadDefinition("PwshPath", $"'{full}' is a pwsh.dll, which runs through the dotnet host, and no dotnet host was found; give the path of a pwsh executable.", full);
        return [dotnetHost, full];
    }

    /// <summary>An installed pwsh on <paramref name="searchPath"/> (PATH) that is not in a package cache, or null.</summary>
    public static string? FindInstalled(string? searchPath = null, IReadOnlyList<string>? caches = null)
    {
        searchPath ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        caches ??= PackageCaches();
        var name = OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh";
        foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Path.IsPathFullyQualified(dir)) continue;
            var candidate = Path.Combine(dir, name);
            if (!File.Exists(candidate) || CacheHolding(candidate, caches) is not null) continue;
            // The dotnet tool's shim (~/.dotnet/tools/pwsh) is a launcher of the cached tool: not an installed pwsh.
            if (IsDotnetToolShim(candidate)) continue;
            return candidate;
        }
        return null;
    }

    static bool IsDotnetToolShim(string candidate)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(candidate)) ?? "";
        return Directory.Exists(Path.Combine(dir, ".store"));
    }

    static string ResolveLinks(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Path.GetFullPath(path); }
    }

    static bool IsUnder(string path, string folder)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return path.StartsWith(folder + Path.DirectorySeparatorChar, comparison);
    }
}
