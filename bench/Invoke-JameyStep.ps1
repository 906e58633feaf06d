#Requires -Version 7.4
<#
.SYNOPSIS
    One Jamey3 step for Invoke-Benchmark.ps1, run in a fresh pwsh so its start-up and peak memory can be measured.
.DESCRIPTION
    Imports the built module, runs one operation and prints one line of JSON with the time the
    import took and the time the operation itself took inside this process (the engine's own
    throughput, without pwsh start-up). Exits non-zero when the operation fails.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-JameyStep.ps1 -Operation Backup -ModulePath out/Jamey3/Jamey3.psd1 -DataPath /tmp/d -BackupPath /tmp/r
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [ValidateSet('Import', 'FirstCall', 'Backup', 'Verify', 'QuickVerify', 'Restore', 'List', 'RetentionPlan', 'Copy')]
    [string] $Operation,
    [Parameter(Mandatory)]
    [string] $ModulePath,
    [string] $DataPath,
    [string] $BackupPath,
    [ValidateSet('Zstd', 'None')]
    [string] $Compression = 'Zstd',
    # Restore: the empty folder the newest backup is restored into.
    [string] $Destination,
    # RetentionPlan: how many backups the planned policy keeps.
    [int] $MaxBackups = 10,
    # Copy: the backup to copy to -Destination (a path or URL; credentials come from the environment).
    [string] $BackupId,
    # Copy to an encrypted destination: the host's repository key file and the recipients' public keys.
    [string] $KeyFile,
    [string[]] $Recipient
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$watch = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$importSeconds = $watch.Elapsed.TotalSeconds
$watch.Restart()

$detail = [ordered]@{}
switch ($Operation) {
    'Import' { }
    'FirstCall' {
        # What a scheduled run pays before its real work: start-up, import and one cmdlet call.
        $detail.backups = @(Get-JameyBackup -BackupPath $BackupPath -Newest 1).Count
    }
    'Restore' {
        $result = Get-JameyBackup -BackupPath $BackupPath -Newest 1 | Restore-JameyBackup -Destination $Destination -Confirm:$false
        $detail.backupId = $result.BackupId
        # The restore flushes what it writes before it returns; a sync here costs nothing when that is true.
        & sync
    }
    'List' {
        $detail.backups = @(Get-JameyBackup -BackupPath $BackupPath).Count
    }
    'RetentionPlan' {
        $detail.removed = @(Remove-JameyBackup -BackupPath $BackupPath -Retention -MaxBackups $MaxBackups -RetentionDays 36500 -WhatIf).Count
    }
    'Copy' {
        $keys = @{}
        if ($KeyFile) { $keys.KeyFile = $KeyFile }
        if ($Recipient) { $keys.Recipient = $Recipient }
        $result = Copy-JameyBackup -BackupPath $BackupPath -BackupId $BackupId -Destination $Destination -Confirm:$false @keys
        $detail.backupId = $result.BackupId
        $detail.bytesSent = $result.BytesSent
        $detail.objectsSent = $result.ObjectsSent
        $detail.objectsPresent = $result.ObjectsPresent
        $detail.objectCount = $result.ObjectCount
    }
    'Backup' {
        $backup = New-JameyBackup -DataPath $DataPath -BackupPath $BackupPath -Compression $Compression -Confirm:$false
        $detail.backupId = $backup.BackupId
        $detail.totalSize = $backup.TotalSize
        $detail.storedSize = $backup.StoredSize
        $detail.fileCount = $backup.FileCount
    }
    { $_ -in 'Verify', 'QuickVerify' } {
        $result = Get-JameyBackup -BackupPath $BackupPath -Newest 1 | Test-JameyBackup -Quick:($Operation -eq 'QuickVerify')
        $detail.backupId = $result.BackupId
        $detail.bytesChecked = $result.BytesChecked
        $detail.filesChecked = $result.FilesChecked
        if (-not $result.Passed) {
            Write-Error "Backup $($result.BackupId) failed verification: $($result.Problems -join '; ')"
            exit 1
        }
    }
}
$operationSeconds = $watch.Elapsed.TotalSeconds

[ordered]@{
    operation        = $Operation
    importSeconds    = [math]::Round($importSeconds, 3)
    operationSeconds = [math]::Round($operationSeconds, 3)
    detail           = $detail
} | ConvertTo-Json -Compress -Depth 3
