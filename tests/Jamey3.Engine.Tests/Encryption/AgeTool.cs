using System.Diagnostics;
using Jamey3.Engine.Tests.Infrastructure;

namespace Jamey3.Engine.Tests.Encryption;

/// <summary>Runs Debian's age 1.1.1 (installed by build.ps1 Setup), the interoperability oracle.</summary>
internal static class AgeTool
{
    // age reads passphrases only from the terminal: tests/tools/age-with-passphrase.py runs it under a pseudo-terminal.
    static readonly string PtyScript = SourceTree.Combine("tests", "tools", "age-with-passphrase.py");

    public static (int ExitCode, string Output) Run(params string[] args) => Start("age", args, null);

    /// <summary>Runs age with its standard output redirected to a file (age -o creates no file for empty output).</summary>
    public static (int ExitCode, string Output) RunToFile(string outputPath, params string[] args) =>
        Start("sh", ["-c", "out=\"$1\"; shift; exec age \"$@\" > \"$out\"", "sh", outputPath, .. args], null);

    public static (int ExitCode, string Output) Keygen(params string[] args) => Start("age-keygen", args, null);

    public static (int ExitCode, string Output) RunWithPassphrase(string passphrase, params string[] args) =>
        Start("python3", [PtyScript, "age", .. args], passphrase);

    static (int, string) Start(string file, string[] args, string? passphrase)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (passphrase is not null) psi.Environment["AGE_TEST_PASSPHRASE"] = passphrase;
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{file}' is not installed: run ./build.ps1 -Task Setup (it installs Debian's age and python3).", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 120 s");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
