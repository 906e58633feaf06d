@{
    RootModule           = 'Jamey3.Commands.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f3d1a52-8d2b-4c47-9a63-2f6b1f0f4c31'
    Author               = 'Jamey3 developers'
    CompanyName          = 'Jamey3'
    Copyright            = '(c) Jamey3 developers. MIT License.'
    Description          = 'Hot, consistent, checksummed backups of a Jamey 3.0 data directory (SQLite in WAL mode and five Lucene.Net memory indices): verify, restore, schedule and monitor them.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    # Pipeline types load into the default context before the cmdlets; the engine loads into its own.
    RequiredAssemblies   = @('Jamey3.Model.dll')
    FormatsToProcess     = @('Jamey3.Format.ps1xml')
    CmdletsToExport      = @(
        'New-JameyBackup'
        'Get-JameyBackup'
        'Test-JameyBackup'
        'Restore-JameyBackup'
        'New-JameyBackupKey'
        'Add-JameyBackupRecipient'
        'Remove-JameyBackupRecipient'
        'Remove-JameyBackup'
        'Start-JameyMetrics'
        'Stop-JameyMetrics'
        'Export-JameyMetrics'
        'Export-JameyReport'
        'Register-JameyBackupSchedule'
        'Get-JameyBackupSchedule'
        'Unregister-JameyBackupSchedule'
        'Copy-JameyBackup'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Backup', 'SQLite', 'Lucene', 'Jamey', 'Prometheus', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/jamey3/Jamey3'
            LicenseUri   = 'https://github.com/jamey3/Jamey3/blob/main/LICENSE'
            # The version's section of CHANGELOG.md (shipped in the module folder); build.ps1 checks they agree.
            ReleaseNotes = '0.1.0: first release. Hot, consistent, checksummed backups of a Jamey 3.0 data directory; verification, journaled restore, retention, OS schedules and Prometheus metrics. See CHANGELOG.md in the module folder.'
        }
    }
}
