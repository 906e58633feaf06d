# Export-JameyReport: the HTML health report, rendered by a real headless Chromium (Debian's
# package); the screenshot's pixels show the charts' bars and the failed run.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-JameyModulePath) -Force
    $root = New-TestDirectory 'report'
    $data = New-SampleData -Path (Join-Path $root 'data')
    $repo = Join-Path $root 'repo'
    $null = New-JameyBackup -DataPath $data -BackupPath $repo
    $null = New-JameyBackup -DataPath $data -BackupPath $repo | Test-JameyBackup
    # A run that tried and failed (a mistyped path is no failure): an index with no commit cannot be backed up.
    $broken = Join-Path $root 'broken'
    Copy-Item $data $broken -Recurse
    Get-ChildItem (Join-Path $broken 'memory/working') -Filter 'segments*' | Remove-Item
    $null = Invoke-ChildPwsh -Script "New-JameyBackup -DataPath '$broken' -BackupPath '$repo'"

    # Counts a screenshot's pixels of given colours: PNG chunks, zlib, then each scanline's filter undone.
    Add-Type -TypeDefinition @'
using System; using System.IO; using System.IO.Compression; using System.Collections.Generic;
public static class PngPixels {
    public static Dictionary<int, int> Count(string path, int[] colours) {
        var bytes = File.ReadAllBytes(path);
        int width = 0, height = 0, type = 0; var idat = new MemoryStream();
        for (int p = 8; p < bytes.Length;) {
            int len = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
            string kind = System.Text.Encoding.ASCII.GetString(bytes, p + 4, 4);
            if (kind == "IHDR") {
                width = (bytes[p + 8] << 24) | (bytes[p + 9] << 16) | (bytes[p + 10] << 8) | bytes[p + 11];
                height = (bytes[p + 12] << 24) | (bytes[p + 13] << 16) | (bytes[p + 14] << 8) | bytes[p + 15];
                if (bytes[p + 16] != 8) throw new InvalidDataException("bit depth " + bytes[p + 16]);
                type = bytes[p + 17];
            }
            if (kind == "IDAT") idat.Write(bytes, p + 8, len);
            p += 12 + len;
        }
        int bpp = type == 6 ? 4 : type == 2 ? 3 : throw new InvalidDataException("colour type " + type);
        idat.Position = 0;
        var raw = new MemoryStream(); using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var d = raw.ToArray(); int stride = width * bpp; var prev = new byte[stride]; var line = new byte[stride];
        var counts = new Dictionary<int, int>(); foreach (var c in colours) counts[c] = 0;
        for (int y = 0; y < height; y++) {
            int f = d[y * (stride + 1)]; Array.Copy(d, y * (stride + 1) + 1, line, 0, stride);
            for (int x = 0; x < stride; x++) {
                int a = x >= bpp ? line[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
                int add = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? Paeth(a, b, c) : 0;
                line[x] = (byte)(line[x] + add);
            }
            for (int x = 0; x < width; x++) {
                int rgb = (line[x * bpp] << 16) | (line[x * bpp + 1] << 8) | line[x * bpp + 2];
                if (counts.ContainsKey(rgb)) counts[rgb]++;
            }
            var t = prev; prev = line; line = t;
        }
        return counts;
    }
    static int Paeth(int a, int b, int c) { int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c); return pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
}
'@
}
AfterAll {
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

Describe 'Export-JameyReport' -Tag 'Report' {
    It 'writes one self-contained page with the backups, the verification and the failed run' {
        $file = Export-JameyReport -BackupPath $repo -Path (Join-Path $root 'report.html') -PassThru
        $file | Should -BeOfType [System.IO.FileInfo]
        $html = Get-Content $file.FullName -Raw
        $html | Should -Not -Match '<script|<link|\ssrc=|url\('
        $html | Should -Match 'id="card-backups"><b>Backups</b><br>2 complete'
        $html | Should -Match 'id="card-verify"><b>Last verification</b><br><span class="ok">passed'
        $html | Should -Match 'id="card-run"><b>Last backup run</b><br><span class="bad">failed'
        # Three bars per backup in the size chart, one in the duration chart.
        ([regex]::Matches($html, '<rect class="bar"')).Count | Should -Be 8
        Export-JameyReport -BackupPath $repo -Path (Join-Path $root 'whatif.html') -WhatIf
        Join-Path $root 'whatif.html' | Should -Not -Exist
    }

    It 'renders its charts in headless Chromium' {
        $page = Join-Path $root 'report.html'
        $png = Join-Path $root 'report.png'
        $profile = Join-Path $root 'chromium-profile'
        # The flags that keep Chromium off the network and working as root in a container.
        $out = & chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking `
            --disable-component-update --disable-sync "--user-data-dir=$profile" --hide-scrollbars --window-size=900,1000 `
            "--screenshot=$png" "file://$page" 2>&1
        $png | Should -Exist -Because "chromium said: $out"
        $counts = [PngPixels]::Count($png, @(0x4c78a8, 0xf58518, 0x54a24b, 0x72b7b2, 0xcf222e))
        $counts[0x4c78a8] | Should -BeGreaterThan 200 -Because 'the data bars are drawn'
        $counts[0xf58518] | Should -BeGreaterThan 200 -Because 'the stored-bytes bars are drawn'
        $counts[0x54a24b] | Should -BeGreaterThan 50 -Because 'the second backup shares bytes with the first'
        $counts[0x72b7b2] | Should -BeGreaterThan 50 -Because 'the duration bars are drawn'
        $counts[0xcf222e] | Should -BeGreaterThan 0 -Because 'the failed run is shown in red'
    }
}
