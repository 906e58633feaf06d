# The age format inside PowerShell: the engine and libsodium load in the module's own load context
# (libsodium from dependencies/runtimes/<rid>/native), and what they encrypt decrypts with Debian's age.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = New-TestDirectory 'encryption'
    $plain = Join-Path $root 'plain.bin'
    $bytes = [byte[]]::new(200000)
    [Random]::new(11).NextBytes($bytes)
    [IO.File]::WriteAllBytes($plain, $bytes)
    $plainHash = (Get-FileHash $plain -Algorithm SHA256).Hash
    # age reads passphrases only from a terminal: this script answers its prompts through a pseudo-terminal.
    $ptyScript = Join-Path $PSScriptRoot '../tools/age-with-passphrase.py'
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'age encryption in the built module' -Tag 'Encryption' {
    It 'encrypts in a fresh pwsh with libsodium from dependencies/, and Debian age decrypts it with the key and with the passphrase' {
        Get-Command age -ErrorAction Ignore | Should -Not -BeNullOrEmpty -Because 'build.ps1 -Task Setup installs Debian''s age'
        # The engine is reached as the module reaches it: the default context's request is routed to the module's context.
        $script = @"
`$engine = [Reflection.Assembly]::Load('Jamey3.Engine')
'context ' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).Name
`$age = `$engine.GetType('Jamey3.Engine.Encryption.Age')
`$keys = `$engine.GetType('Jamey3.Engine.Encryption.AgeKeyFile')
`$none = [Threading.CancellationToken]::None
'recipient ' + `$keys.GetMethod('GenerateIdentityFile').Invoke(`$null, @('$root/key.txt', `$null))
Set-Content '$root/recipients.txt' ('# backup host' + [Environment]::NewLine + (Get-Content '$root/key.txt' | Select-String '^# public key: (.*)').Matches[0].Groups[1].Value)
`$recipients = `$keys.GetMethod('ReadRecipients').Invoke(`$null, @('$root/recipients.txt'))
'x25519 ' + `$age.GetMethod('EncryptFile').Invoke(`$null, @('$plain', '$root/plain.x25519.age', `$recipients, `$none))
`$scrypt = [Activator]::CreateInstance(`$engine.GetType('Jamey3.Engine.Encryption.ScryptRecipient'), @('pass phrase from pwsh', 10))
`$list = [Array]::CreateInstance(`$engine.GetType('Jamey3.Engine.Encryption.IAgeRecipient'), 1)
`$list[0] = `$scrypt
'scrypt ' + `$age.GetMethod('EncryptFile').Invoke(`$null, @('$plain', '$root/plain.scrypt.age', `$list, `$none))
Get-Content /proc/self/maps | Where-Object { `$_ -like '*libsodium*' } | ForEach-Object { 'native ' + (`$_ -split '\s+')[-1] } | Select-Object -Unique
"@
        $out = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'context Jamey3.Dependencies'
        $out | Should -Contain 'x25519 200000'
        $out | Should -Contain 'scrypt 200000'
        $native = @($out | Where-Object { $_ -like 'native *' })
        $native.Count | Should -Be 1 -Because ($out -join "`n")
        $native[0] | Should -BeLike "*/dependencies/runtimes/linux-*/native/libsodium.so"
        (Get-Item "$root/key.txt").UnixMode | Should -Be '-rw-------'

        & age -d -i "$root/key.txt" -o "$root/out.x25519" "$root/plain.x25519.age" 2>&1
        $LASTEXITCODE | Should -Be 0
        (Get-FileHash "$root/out.x25519" -Algorithm SHA256).Hash | Should -Be $plainHash

        $env:AGE_TEST_PASSPHRASE = 'pass phrase from pwsh'
        try { & python3 $ptyScript age -d -o "$root/out.scrypt" "$root/plain.scrypt.age" 2>&1 | Out-Null }
        finally { Remove-Item Env:AGE_TEST_PASSPHRASE }
        $LASTEXITCODE | Should -Be 0
        (Get-FileHash "$root/out.scrypt" -Algorithm SHA256).Hash | Should -Be $plainHash
    }

    It 'decrypts what Debian age encrypted, and a wrong key is a typed error that writes nothing' {
        & age-keygen -o "$root/age-key.txt" 2>&1 | Out-Null
        $public = (& age-keygen -y "$root/age-key.txt")
        & age -e -r $public -o "$root/by-age.age" $plain
        $LASTEXITCODE | Should -Be 0
        $script = @"
`$engine = [Reflection.Assembly]::Load('Jamey3.Engine')
`$age = `$engine.GetType('Jamey3.Engine.Encryption.Age')
`$keys = `$engine.GetType('Jamey3.Engine.Encryption.AgeKeyFile')
`$none = [Threading.CancellationToken]::None
`$ids = `$keys.GetMethod('ReadIdentities').Invoke(`$null, @('$root/age-key.txt'))
'length ' + `$age.GetMethod('DecryptFile').Invoke(`$null, @('$root/by-age.age', '$root/by-age.out', `$ids, `$none))
`$other = `$keys.GetMethod('ReadIdentities').Invoke(`$null, @('$root/key.txt'))
try { `$age.GetMethod('DecryptFile').Invoke(`$null, @('$root/by-age.age', '$root/wrong.out', `$other, `$none)) }
catch { 'error ' + `$_.Exception.InnerException.ErrorId }
"@
        $out = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'length 200000'
        $out | Should -Contain 'error AgeNoIdentityMatches'
        (Get-FileHash "$root/by-age.out" -Algorithm SHA256).Hash | Should -Be $plainHash
        "$root/wrong.out" | Should -Not -Exist
    }
}

Describe 'Encryption keys and recipients of an encrypted repository' -Tag 'Encryption' {
    It 'New-JameyBackupKey makes an owner-only age identity, and Add/Remove-JameyBackupRecipient re-wrap the repository key' {
        $dest = Join-Path $root 'encrypted-destination'
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-JameyModulePath)'
`$owner = New-JameyBackupKey -Path '$root/owner.txt'
`$laptop = New-JameyBackupKey -Path '$root/laptop.txt'
'owner ' + `$owner.Recipient
'mode ' + [IO.File]::GetUnixFileMode('$root/owner.txt')
try { New-JameyBackupKey -Path '$root/owner.txt' } catch { 'again ' + `$_.FullyQualifiedErrorId }
# The destination is set up as a first copy does (the engine's keyring, from the module's own load context).
`$engine = [Reflection.Assembly]::Load('Jamey3.Engine')
`$material = [Activator]::CreateInstance(`$engine.GetType('Jamey3.Engine.Encryption.RepositoryKeyMaterial'))
`$material.GetType().GetProperty('KeyFile').SetValue(`$material, '$root/host.key')
`$list = [Collections.Generic.List[string]]::new(); `$list.Add(`$owner.Recipient)
`$material.GetType().GetProperty('Recipients').SetValue(`$material, `$list)
`$open = `$engine.GetType('Jamey3.Engine.Stores.ObjectStores').GetMethods() | Where-Object { `$_.Name -eq 'Open' -and `$_.GetParameters()[0].ParameterType -eq [string] }
`$store = `$open.Invoke(`$null, @('$dest', `$null))
`$null = `$store.EnsureExistsAsync(`$true, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
`$engine.GetType('Jamey3.Engine.Encryption.RepositoryKeyring').GetMethod('CreateAsync').Invoke(`$null, @(`$store, `$material, 'pester', [Threading.CancellationToken]::None)).GetAwaiter().GetResult().Dispose()
Add-JameyBackupRecipient -BackupPath '$dest' -Recipient `$laptop.Recipient -IdentityFile '$root/owner.txt' -WhatIf
'after whatif ' + (Get-Content '$dest/keys/recipients.json' -Raw).Contains(`$laptop.Recipient)
'added ' + ((Add-JameyBackupRecipient -BackupPath '$dest' -Recipient `$laptop.Recipient -IdentityFile '$root/owner.txt').Recipient -join ',')
'removed ' + ((Remove-JameyBackupRecipient -BackupPath '$dest' -Recipient `$owner.Recipient -IdentityFile '$root/laptop.txt' -Confirm:`$false).Recipient -join ',')
try { Add-JameyBackupRecipient -BackupPath '$dest' -Recipient `$owner.Recipient -IdentityFile '$root/owner.txt' -Confirm:`$false } catch { 'removed key ' + `$_.FullyQualifiedErrorId }
try { Add-JameyBackupRecipient -BackupPath '$dest' -Recipient `$owner.Recipient -Confirm:`$false } catch { 'noidentity ' + `$_.FullyQualifiedErrorId }
"@
        $out = Invoke-ChildPwsh -Script $script
        $text = $out -join "`n"
        $owner = (($out | Where-Object { $_ -like 'owner *' }) -split ' ')[1]
        $owner | Should -Match '^age1[0-9a-z]{58}$' -Because $text
        (& age-keygen -y (Join-Path $root 'owner.txt')) | Should -Be $owner
        $out | Should -Contain 'mode UserWrite, UserRead'
        $out | Should -Contain 'again AgeKeyFileExists,Jamey3.Commands.Cmdlets.NewJameyBackupKeyCommand'
        $out | Should -Contain 'after whatif False'
        $laptop = (& age-keygen -y (Join-Path $root 'laptop.txt'))
        $out | Should -Contain "added $owner,$laptop"
        $out | Should -Contain "removed $laptop"
        $out | Should -Contain 'removed key AgeNoIdentityMatches,Jamey3.Commands.Cmdlets.AddJameyBackupRecipientCommand'
        $out | Should -Contain 'noidentity RepositoryPrivateKeyMissing,Jamey3.Commands.Cmdlets.AddJameyBackupRecipientCommand'
        # The standard tool: the remaining key opens the re-wrapped repository key, the removed one no longer does.
        & age -d -i (Join-Path $root 'laptop.txt') -o (Join-Path $root 'recovered.key') (Join-Path $dest 'keys/repository.age')
        $LASTEXITCODE | Should -Be 0
        (Get-Content (Join-Path $root 'recovered.key') -Raw) | Should -Match 'JAMEY3-REPOSITORY-KEY-1'
        & age -d -i (Join-Path $root 'owner.txt') -o (Join-Path $root 'removed.key') (Join-Path $dest 'keys/repository.age') 2>$null
        $LASTEXITCODE | Should -Not -Be 0
    }
}

Describe 'Encryption on Copy-JameyBackup' -Tag 'Encryption' {
    It 'creates an encrypted destination with -KeyFile and -Recipient, copies again with the key file alone, and refuses a copy without keys' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-JameyModulePath)'
Import-Module '$(Join-Path $PSScriptRoot 'TestHelpers.psm1')'
`$data = New-SampleData -Path '$root/copy-data'
`$null = New-JameyBackup -DataPath `$data -BackupPath '$root/copy-repo'
`$key = New-JameyBackupKey -Path '$root/copy-owner.txt'
`$r = Copy-JameyBackup -BackupPath '$root/copy-repo' -Destination '$root/copy-dest' -KeyFile '$root/copy-host.key' -Recipient `$key.Recipient
'published ' + `$r.Published
'mode ' + [IO.File]::GetUnixFileMode('$root/copy-host.key')
`$null = Copy-JameyBackup -BackupPath '$root/copy-repo' -Destination '$root/copy-dest' -KeyFile '$root/copy-host.key'
'second ok'
try { Copy-JameyBackup -BackupPath '$root/copy-repo' -Destination '$root/copy-dest' } catch { 'nokey ' + `$_.FullyQualifiedErrorId }
"@
        $out = Invoke-ChildPwsh -Script $script
        $text = $out -join "`n"
        $out | Should -Contain 'published True' -Because $text
        $out | Should -Contain 'mode UserWrite, UserRead'
        $out | Should -Contain 'second ok'
        $out | Should -Contain 'nokey RemoteSchemeMismatch,Jamey3.Commands.Cmdlets.CopyJameyBackupCommand'
        $config = Get-Content (Join-Path $root 'copy-dest/config') -Raw | ConvertFrom-Json
        $config.envelope | Should -Be 'age'
        $config.objectNames | Should -Be 'hmac-sha256'
        # A stored object opens with the standard tool and the owner's identity file.
        $object = Get-ChildItem (Join-Path $root 'copy-dest/data') -Recurse -File | Select-Object -First 1
        & age -d -i (Join-Path $root 'copy-owner.txt') -o (Join-Path $root 'copy-object.out') $object.FullName
        $LASTEXITCODE | Should -Be 0
    }
}
