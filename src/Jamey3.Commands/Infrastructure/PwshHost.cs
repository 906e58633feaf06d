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
}
