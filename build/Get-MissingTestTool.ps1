<#
.SYNOPSIS
    Lists the Debian packages whose commands the tests need and this machine lacks; nothing when all are there.
.DESCRIPTION
    build.ps1's Setup installs only what this lists, so a machine that has everything never runs apt-get
    and never needs root. A command counts as present when it is on PATH or in /usr/sbin or /sbin, which a
    non-root user's PATH often leaves out (cron lives in /usr/sbin).
.OUTPUTS
    The package names to install, sorted, one per line.
#>
param(
    # command => Debian package providing it
    [hashtable] $Tools = @{
        promtool = 'prometheus'; amtool = 'prometheus-alertmanager'; cron = 'cron'; crontab = 'cron'; sqlite3 = 'sqlite3'
        xmllint = 'libxml2-utils'; 'systemd-analyze' = 'systemd'; python3 = 'python3'; flock = 'util-linux'
        # OpenSSH's server and key tool, for the SFTP store's tests
        sshd = 'openssh-server'; 'ssh-keygen' = 'openssh-client'
        # age and age-keygen, the interoperability oracle for the encryption format
        age = 'age'; 'age-keygen' = 'age'
        # the monitoring mixin's generator, the dashboards' type check and the report's screenshot
        jsonnet = 'jsonnet'; node = 'nodejs'; npm = 'npm'; chromium = 'chromium'
    }
)
$ErrorActionPreference = 'Stop'
$systemFolders = '/usr/local/sbin', '/usr/sbin', '/sbin'
function Test-Tool([string] $Name) {
    if (Get-Command $Name -CommandType Application -ErrorAction Ignore) { return $true }
    if ($IsWindows) { return $false }
    foreach ($folder in $systemFolders) { if (Test-Path -LiteralPath (Join-Path $folder $Name) -PathType Leaf) { return $true } }
    $false
}
@($Tools.Keys | Where-Object { -not (Test-Tool $_) } | ForEach-Object { $Tools[$_] } | Sort-Object -Unique)
