namespace Jamey3.Commands.Infrastructure;

/// <summary>How to start this same PowerShell again from a scheduler, with absolute paths only.</summary>
internal static class PwshHost
{
    /// <summary>
    /// The program and leading arguments that start pwsh: pwsh itself, or, when PowerShell runs as a
    /// dotnet tool or framework-dependent app, the dotnet host followed by pwsh.dll.
    /// </summary>
    public static string[] Command()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running pwsh is unknown.");
        var name = Path.GetFileNameWithoutExtension(process);
        if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return [process, Path.GetFullPath(Environment.GetCommandLineArgs()[0])];
        return [process];
    }

    /// <summary>The dotnet host that runs a pwsh.dll: this process when it is dotnet, else DOTNET_HOST_PATH, else dotnet on PATH.</summary>
    public static string? DotnetHost()
    {
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return process;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(Path.IsPathFullyQualified).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
