using Jamey3.Engine.Scheduling;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>Which pwsh a schedule may rely on: not one in a package cache, even through a link.</summary>
public sealed class PwshLocationTests
{
    [Fact]
    public void A_pwsh_in_a_package_cache_is_found_even_through_a_link()
    {
        using var home = new TempDirectory("pwsh-home");
        var caches = PwshLocation.PackageCaches(_ => null, home.Path);
        Assert.Contains(home.Combine(".nuget", "packages"), caches);
        Assert.Contains(home.Combine(".dotnet", "tools", ".store"), caches);

        var cached = home.Combine(".nuget", "packages", "powershell", "7.6.9", "tools", "pwsh.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.WriteAllText(cached, "");
        Assert.Equal(home.Combine(".nuget", "packages"), PwshLocation.CacheHolding(cached, caches));

        var installed = home.Combine("opt", "pwsh");
        Directory.CreateDirectory(Path.GetDirectoryName(installed)!);
        File.WriteAllText(installed, "");
        Assert.Null(PwshLocation.CacheHolding(installed, caches));
        // A folder named like a cache but beside it is not inside it.
        Assert.Null(PwshLocation.CacheHolding(home.Combine(".nuget", "packages-old", "pwsh"), caches));

        if (OperatingSystem.IsWindows()) return;
        var link = home.Combine("bin", "pwsh");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, cached);
        Assert.Equal(home.Combine(".nuget", "packages"), PwshLocation.CacheHolding(link, caches));
    }

    [Fact]
    public void The_installed_pwsh_on_PATH_is_found_skipping_caches_and_the_dotnet_tool_shim()
    {
        if (OperatingSystem.IsWindows()) return;
        using var home = new TempDirectory("pwsh-path");
        var caches = PwshLocation.PackageCaches(_ => null, home.Path);
        string Make(params string[] parts)
        {
            var p = home.Combine(parts);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, "");
            return p;
        }
        var inCache = Make(".nuget", "packages", "powershell", "bin", "pwsh");
        var shim = Make(".dotnet", "tools", "pwsh");
        Directory.CreateDirectory(home.Combine(".dotnet", "tools", ".store"));
        var installed = Make("usr", "bin", "pwsh");
        var path = string.Join(Path.PathSeparator, Path.GetDirectoryName(inCache), Path.GetDirectoryName(shim), "relative/bin", Path.GetDirectoryName(installed));
        Assert.Equal(installed, PwshLocation.FindInstalled(path, caches));
        Assert.Null(PwshLocation.FindInstalled(string.Join(Path.PathSeparator, Path.GetDirectoryName(inCache), Path.GetDirectoryName(shim)), caches));
    }

    [Fact]
    public void A_pwsh_dll_runs_through_the_dotnet_host()
    {
        Assert.Equal(["/usr/bin/dotnet", Path.GetFullPath("/x/pwsh.dll")], PwshLocation.Command("/x/pwsh.dll", "/usr/bin/dotnet"));
        Assert.Equal([Path.GetFullPath("/opt/pwsh")], PwshLocation.Command("/opt/pwsh", null));
        Assert.Throws<Jamey3.Engine.Errors.JameyException>(() => PwshLocation.Command("/x/pwsh.dll", null));
    }
}
