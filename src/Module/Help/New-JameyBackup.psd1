@{
    Synopsis    = 'Takes a hot, consistent, checksummed backup of a Jamey data directory.'
    Description = @'
New-JameyBackup backs up the Jamey 3.0 data directory while Jamey keeps running: the SQLite database through SQLite's online backup API (never a file copy of a live database) and each Lucene memory index as exactly the files of one commit point, pinned against a concurrent IndexWriter that commits and merges meanwhile.

Every file is streamed once: hashed with SHA-256 and, when compression is on, compressed with zstd on the way (incompressible files are stored raw). The backup is assembled in the repository's staging folder, described in manifest.json, flushed to disk and published by one atomic rename, so a crash or Ctrl+C never leaves anything that lists as a good backup. Unchanged Lucene segment files are hard-linked from the previous backup; each backup still verifies and restores on its own.

Only one writer works on a repository at a time: a second New-JameyBackup waits up to -LockTimeoutSeconds, then fails with the error id RepositoryBusy. A lock left by a killed process is recovered automatically.

Settings come from the environment as Jamey 3.0 defined them (BACKUP_ENABLED, BACKUP_DIR, BACKUP_COMPRESS, JAMEY_DATA_DIR); parameters override them. With BACKUP_ENABLED=false the command warns and does nothing.
'@
    Parameters  = @{
        DataPath           = 'The Jamey data directory (holding jamey.db and memory/). Defaults to JAMEY_DATA_DIR, or "data" under the current location.'
        BackupPath         = 'The backup repository. Created when missing. Defaults to BACKUP_DIR, or "data/backups" under the current location.'
        Component          = 'The components to back up: Database, ShortTerm, LongTerm, Working, Episodic, Semantic, or Memory for all five index layers. Defaults to all six.'
        Compression        = 'Zstd or None. Defaults to Zstd unless BACKUP_COMPRESS is false. The algorithm is recorded per file in the manifest.'
        Verify             = 'After publishing, fully verify the new backup (re-hash every byte, integrity_check, CheckIndex) and set its Verified property; a failure is written as an error with the id BackupVerificationFailed.'
        Full               = 'Copy every file even when an unchanged copy exists in the previous backup (by default unchanged Lucene segment files are hard-linked).'
        LockTimeoutSeconds = 'How long to wait for another writer to release the repository before failing with RepositoryBusy. Default 10; 0 fails at once.'
    }
    Outputs     = @{ JameyBackup = 'The new backup, Complete, with its components, sizes and paths (Verified is set with -Verify).' }
    Examples    = @(
        @{
            Title   = 'Back up the configured data directory'
            Code    = 'New-JameyBackup'
            Remarks = 'Backs up JAMEY_DATA_DIR (or ./data) into BACKUP_DIR (or ./data/backups) and writes the new backup to the pipeline.'
        }
        @{
            Title   = 'Back up and verify, naming both paths'
            Code    = 'New-JameyBackup -DataPath /srv/jamey/data -BackupPath /backups/jamey -Verify'
            Remarks = 'The emitted object has Verified set to True when the backup passed full verification.'
        }
        @{
            Title   = 'Back up only the memory indices, uncompressed'
            Code    = 'New-JameyBackup -Component Memory -Compression None'
            Remarks = 'Memory is shorthand for ShortTerm, LongTerm, Working, Episodic and Semantic.'
        }
        @{
            Title   = 'See what would be backed up'
            Code    = 'New-JameyBackup -DataPath ./data -BackupPath ./backups -WhatIf'
            Remarks = 'Prints the components, the source and the repository; writes nothing.'
        }
    )
    Notes       = 'For automation use -ErrorAction Stop and check $?; the command never prompts. Exit codes in scheduled runs come from the run script, see Register-JameyBackupSchedule.'
    Links       = @('Get-JameyBackup', 'Test-JameyBackup', 'about_Jamey3')
}
