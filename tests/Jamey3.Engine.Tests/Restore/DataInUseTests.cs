using System.Diagnostics;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Restore;
using Microsoft.Data.Sqlite;
using static Jamey3.Engine.Tests.Restore.JameyTestData;

namespace Jamey3.Engine.Tests.Restore;

/// <summary>Writers held open by real second processes: the sqlite3 shell and pwsh running a Lucene IndexWriter.</summary>
public sealed class DataInUseTests : RestoreTestBase
{
    [Fact]
    public void DatabaseHeldBySqliteShell_IsRefused_NamingThePathAndProcess_UntilItExits()
    {
        Create(Data, seed: 50);
        var rowsAtBackup = DumpRows(Data);
        var backup = Backup();
        var db = Path.Combine(Data, DataLayout.DatabaseFile);
        var before = HashComponent(Data, JameyComponent.Database);

        using (var holder = HeldProcess.SqliteShell(db))
        {
            Assert.False(DataInUse.ProbeExclusive(db)); // SQLite itself says busy
            if (OperatingSystem.IsLinux())
            {
                // The side-effect-free lock read (fcntl F_OFD_GETLK) sees it too, and names the process.
                var seen = Assert.Single(DataInUse.Find(Data, [JameyComponent.Database], probeDatabase: false));
                Assert.StartsWith($"process {holder.Id} (sqlite3", seen.Process);
            }
            var e = Assert.Throws<DataInUseException>(() => new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Database)));
            Assert.Equal("DataInUse", e.ErrorId);
            Assert.Equal(JameyErrorKind.Busy, e.Kind);
            Assert.Equal(db, e.Path);
            Assert.Contains(db, e.Message);
            Assert.Contains("-Force", e.Message);
            if (OperatingSystem.IsLinux())
            {
                Assert.Contains($"process {holder.Id}", e.Holder);
                Assert.Contains("sqlite3", e.Holder);
            }
            // Other components are not held: they restore.
            new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Working));
            Assert.True(File.Exists(db + "-wal"));
        }
        SqliteConnection.ClearAllPools();

        // The shell closed cleanly: free again.
        Assert.Empty(DataInUse.Find(Data, [JameyComponent.Database], probeDatabase: true));
        new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Database));
        Assert.Equal(rowsAtBackup, DumpRows(Data));
        Assert.NotEqual(before, HashComponent(Data, JameyComponent.Database));
    }

    [Fact]
    public void HolderKilledWithStaleWalAndShm_IsNotInUse()
    {
        Create(Data, seed: 51);
        var backup = Backup();
        var db = Path.Combine(Data, DataLayout.DatabaseFile);
        using (var holder = HeldProcess.SqliteShell(db)) holder.Kill();
        Assert.True(File.Exists(db + "-wal") && File.Exists(db + "-shm"), "the killed shell should leave its -wal and -shm");

        Assert.Empty(DataInUse.Find(Data, DataLayout.All, probeDatabase: false));
        Assert.True(DataInUse.ProbeExclusive(db));
        new RestoreEngine().Run(Request(backup.BackupId));
        RestoreRoundTripTests.AssertHealthy(Data);
    }

    [Fact]
    public void Force_RestoresWhileTheDatabaseIsHeld()
    {
        Create(Data, seed: 52);
        var rowsAtBackup = DumpRows(Data);
        var backup = Backup();
        Mutate(Data, seed: 53);
        var db = Path.Combine(Data, DataLayout.DatabaseFile);
        using var holder = HeldProcess.SqliteShell(db);

        var result = new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Database) with { Force = true });

        Assert.Equal(rowsAtBackup, DumpRows(Data));
        Assert.False(File.Exists(db + "-wal")); // the holder's -wal went to the rollback with its database
        Assert.True(File.Exists(Path.Combine(result.RollbackPath!, "jamey.db-wal")));
    }

    [Fact]
    public void IndexHeldByAnIndexWriterInAnotherProcess_IsRefused_UntilItCloses()
    {
        Create(Data, seed: 54);
        var backup = Backup();
        Mutate(Data, seed: 55);
        var index = DataLayout.FullPath(Data, JameyComponent.LongTerm);
        var before = HashData(Data);

        using (var holder = HeldProcess.LuceneWriter(index))
        {
            var e = Assert.Throws<DataInUseException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
            Assert.Equal("DataInUse", e.ErrorId);
            Assert.Equal(JameyComponent.LongTerm, e.Component);
            Assert.Equal(index, e.Path);
            if (OperatingSystem.IsLinux()) Assert.Contains("pwsh", e.Holder);
            Assert.Equal(before, HashData(Data));
            Assert.Empty(OperationFolders());
            // The probe neither steals nor removes the lock: the writer still holds it and its file.
            Assert.True(File.Exists(Path.Combine(index, "write.lock")));
            Assert.Single(DataInUse.Find(Data, [JameyComponent.LongTerm], probeDatabase: false));
            // Layers nobody holds restore.
            new RestoreEngine().Run(Request(backup.BackupId, JameyComponentSelector.Semantic));
        }

        Assert.Empty(DataInUse.Find(Data, DataLayout.All, probeDatabase: true));
        new RestoreEngine().Run(Request(backup.BackupId));
        RestoreRoundTripTests.AssertHealthy(Data);
    }

    [Theory]
    [InlineData("hold")]
    [InlineData("write")]
    public void RunningJamey_FromTheSampleSimulator_IsRefusedForEveryComponent(string mode)
    {
        global::Jamey3.SampleData.SampleDataGenerator.Generate(Data, 400_000, seed: 58);
        var backup = Backup();

        using (var jamey = HeldProcess.SampleCli(mode, Data))
        {
            var held = DataInUse.Find(Data, DataLayout.All, probeDatabase: true);
            Assert.Equal(DataLayout.All, held.Select(h => h.Component));
            if (OperatingSystem.IsLinux()) Assert.All(held, h => Assert.Contains("jamey3-sample", h.Process));
            var e = Assert.Throws<DataInUseException>(() => new RestoreEngine().Run(Request(backup.BackupId)));
            Assert.Equal(JameyComponent.Database, e.Component);
            Assert.Empty(OperationFolders());
        }

        new RestoreEngine().Run(Request(backup.BackupId));
        RestoreRoundTripTests.AssertHealthy(Data);
    }

    [Fact]
    public void ProbingAFreeIndex_LeavesNoLockFileBehind()
    {
        Create(Data, seed: 56);
        foreach (var layer in Layers) File.Delete(Path.Combine(DataLayout.FullPath(Data, layer), "write.lock"));
        var before = Layers.ToDictionary(l => l, l => Directory.GetFiles(DataLayout.FullPath(Data, l)).Order().ToArray());

        Assert.Empty(DataInUse.Find(Data, DataLayout.All, probeDatabase: false));

        foreach (var layer in Layers) Assert.Equal(before[layer], Directory.GetFiles(DataLayout.FullPath(Data, layer)).Order().ToArray());
    }

    /// <summary>A second process that holds something open until disposed.</summary>
    sealed class HeldProcess : IDisposable
    {
        readonly Process _process;
        HeldProcess(Process process) => _process = process;
        public int Id => _process.Id;

        /// <summary>The sqlite3 shell, connected after a write in WAL mode, idle (as a running app's pooled connection is).</summary>
        public static HeldProcess SqliteShell(string db)
        {
            var p = Process.Start(new ProcessStartInfo("sqlite3", [db])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            }) ?? throw new InvalidOperationException("could not start sqlite3 (apt-get install sqlite3)");
            p.StandardInput.WriteLine("PRAGMA journal_mode=WAL;");
            p.StandardInput.WriteLine("INSERT OR REPLACE INTO app_metadata VALUES ('holder', 'sqlite3', '2025-01-01');");
            p.StandardInput.Flush();
            var held = new HeldProcess(p);
            WaitUntil(() => HolderRowVisible(db), "the sqlite3 shell to write");
            return held;
        }

        static bool HolderRowVisible(string db)
        {
            try
            {
                using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT count(*) FROM app_metadata WHERE key = 'holder'";
                return Convert.ToInt64(cmd.ExecuteScalar()) == 1;
            }
            catch (SqliteException) { return false; }
        }

        /// <summary>pwsh with Lucene.Net loaded, holding an IndexWriter (and so write.lock) on the index.</summary>
        public static HeldProcess LuceneWriter(string indexPath)
        {
            var bin = AppContext.BaseDirectory;
            var script = $$"""
                Add-Type -Path '{{Path.Combine(bin, "J2N.dll")}}'
                Add-Type -Path '{{Path.Combine(bin, "Lucene.Net.dll")}}'
                $dir = [Lucene.Net.Store.FSDirectory]::Open([System.IO.DirectoryInfo]::new('{{indexPath}}'))
                $config = [Lucene.Net.Index.IndexWriterConfig]::new([Lucene.Net.Util.LuceneVersion]::LUCENE_48, $null)
                $writer = [Lucene.Net.Index.IndexWriter]::new($dir, $config)
                [Console]::Out.WriteLine('held'); [Console]::Out.Flush()
                [void][Console]::In.ReadLine()
                $writer.Dispose()
                """;
            var p = Process.Start(new ProcessStartInfo("dotnet", ["pwsh", "-NoProfile", "-NonInteractive", "-Command", script])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = RepositoryRoot(),
            }) ?? throw new InvalidOperationException("could not start pwsh");
            var line = Task.Run(p.StandardOutput.ReadLine);
            if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result != "held")
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException($"pwsh did not take the index writer: {line.Result} {p.StandardError.ReadToEnd()}");
            }
            return new HeldProcess(p);
        }

        /// <summary>jamey3-sample hold|write: an idle or a busy running Jamey (database open, an IndexWriter on every index).</summary>
        public static HeldProcess SampleCli(string command, string dataPath)
        {
            var exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "jamey3-sample.exe" : "jamey3-sample");
            var psi = File.Exists(exe)
                ? new ProcessStartInfo(exe)
                : new ProcessStartInfo("dotnet") { ArgumentList = { "exec", Path.Combine(AppContext.BaseDirectory, "jamey3-sample.dll") } };
            foreach (var a in new[] { command, "--path", dataPath }) psi.ArgumentList.Add(a);
            psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
            psi.UseShellExecute = false;
            var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start jamey3-sample");
            var line = Task.Run(p.StandardOutput.ReadLine);
            if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result != "READY")
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException($"jamey3-sample {command} did not get ready: {line.Result} {p.StandardError.ReadToEnd()}");
            }
            _ = Task.Run(p.StandardOutput.ReadToEnd); // keep its pipe drained
            return new HeldProcess(p);
        }

        /// <summary>The repository root, whose dotnet-tools.json provides 'dotnet pwsh'.</summary>
        static string RepositoryRoot()
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "dotnet-tools.json"))) return d.FullName;
            throw new InvalidOperationException("dotnet-tools.json not found above the test binaries");
        }

        static void WaitUntil(Func<bool> condition, string what)
        {
            var watch = Stopwatch.StartNew();
            while (!condition())
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"Timed out waiting for {what}.");
                Thread.Sleep(50);
            }
        }

        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                try
                {
                    _process.StandardInput.Close(); // EOF: sqlite3 exits, the pwsh script reads its line and closes the writer
                    if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill();
                }
                catch (InvalidOperationException) { }
            }
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
