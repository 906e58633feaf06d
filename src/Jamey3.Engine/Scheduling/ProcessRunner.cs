using System.ComponentModel;
using System.Diagnostics;

namespace Jamey3.Engine.Scheduling;

/// <summary>The outcome of one scheduler command (crontab, systemctl, schtasks, launchctl).</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs the schedulers' own commands. Tests substitute a fake to record the calls.</summary>
public interface IProcessRunner
{
    /// <exception cref="FileNotFoundException">The program is not installed (or not on PATH).</exception>
    ProcessResult Run(string fileName, IReadOnlyList<string> arguments, string? standardInput = null);
}

/// <summary>Starts real processes, arguments passed as a list (no shell), with a two-minute limit.</summary>
public sealed class SystemProcessRunner : IProcessRunner
{
    public static readonly SystemProcessRunner Instance = new();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public ProcessResult Run(string fileName, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi) ?? throw new FileNotFoundException($"'{fileName}' could not be started.", fileName); }
        catch (Win32Exception e) { throw new FileNotFoundException($"'{fileName}' could not be started: {e.Message}", fileName, e); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (standardInput is not null) process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
            if (!process.WaitForExit(Timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new TimeoutException($"'{fileName}' did not finish within {Timeout.TotalSeconds:0} s.");
            }
            process.WaitForExit();
            return new ProcessResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }
}
