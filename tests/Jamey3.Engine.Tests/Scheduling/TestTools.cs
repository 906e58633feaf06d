using System.Diagnostics;

namespace Jamey3.Engine.Tests.Scheduling;

/// <summary>Programs the tests use as independent checkers (sh, systemd-analyze, xmllint, crontab, python3) when installed.</summary>
static class ExternalTool
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Runs a program and returns (exit code, stdout + stderr); null when it is not installed.</summary>
    public static (int ExitCode, string Output)? Run(string program, params string[] args)
    {
        if (!Exists(program)) return null;
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
