namespace Jamey3.Engine.Tests.Infrastructure;

/// <summary>A test of behaviour that exists only on Linux: reported as skipped elsewhere, never as passed.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute() { if (!OperatingSystem.IsLinux()) Skip = "Linux only"; }
}

/// <summary>A test of POSIX behaviour (Linux and macOS): reported as skipped on Windows, never as passed.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute() { if (OperatingSystem.IsWindows()) Skip = "Unix only"; }
}

/// <summary>A test that mounts small file systems (a full or read-only disk): needs root on Linux; skipped otherwise.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only (mounts a tmpfs)";
        else if (Environment.UserName != "root") Skip = "needs root to mount a tmpfs";
        else if (!File.Exists("/bin/mount") && !File.Exists("/usr/bin/mount")) Skip = "no mount command";
    }
}
