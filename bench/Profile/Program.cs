using System.Diagnostics;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Progress;

// jamey3-profile --data <generated data dir> --work <scratch dir> [--readers OnlineBackup,Auto] [--writer-seconds 5] [--cold]
// For each database reader: copies the data, then times a first backup, a second one after the simulated Jamey wrote
// for a few seconds (a separate process, as in bench/Invoke-Benchmark.ps1), and one of unchanged data; prints the
// engine's verbose timing lines and a Markdown table. --cold drops the page cache before each backup (root only).
var opts = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
if (args.Contains("--cold")) opts["cold"] = "1";
string data = Path.GetFullPath(opts["data"]), work = Path.GetFullPath(opts["work"]);
double writerSeconds = double.Parse(opts.GetValueOrDefault("writer-seconds", "5"), System.Globalization.CultureInfo.InvariantCulture);
var readers = opts.GetValueOrDefault("readers", "OnlineBackup,Auto").Split(',').Select(Enum.Parse<DatabaseReader>).ToList();
var sample = Path.Combine(AppContext.BaseDirectory, "jamey3-sample.dll");
Directory.CreateDirectory(work);
var rows = new List<string>();
foreach (var reader in readers)
{
    var copy = Path.Combine(work, $"data-{reader}");
    var repo = Path.Combine(work, $"repo-{reader}");
    if (Directory.Exists(copy)) Directory.Delete(copy, true);
    if (Directory.Exists(repo)) Directory.Delete(repo, true);
    Run("cp", "-a", data, copy);
    foreach (var phase in new[] { "first", "second", "unchanged" })
    {
        if (phase == "second")
            Run("dotnet", sample, "write", "--path", copy, "--seed", "7", "--duration", writerSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ignore-stdin");
        if (opts.ContainsKey("cold")) { Run("sync"); File.WriteAllText("/proc/sys/vm/drop_caches", "3"); }
        var observer = new Lines();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var backup = new BackupEngine(observer).Run(new BackupRequest(copy, repo) { DatabaseReader = reader });
        var wall = watch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var db = observer.All.Where(l => l.StartsWith("Database", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"{reader} {phase}: {wall:F2} s wall, {cpuSeconds:F2} s CPU, stored {backup.StoredSize / 1048576.0:F1} MiB");
        foreach (var l in db) Console.WriteLine("  " + l);
        rows.Add($"| {reader} | {phase} | {wall:F2} | {cpuSeconds:F2} | {string.Join("<br>", db.Where(l => l.Contains("timing")).Select(l => l.Replace("|", "/")))} |");
    }
}
Console.WriteLine();
Console.WriteLine("| reader | backup | wall s | CPU s | database phases |");
Console.WriteLine("|---|---|---:|---:|---|");
foreach (var r in rows) Console.WriteLine(r);

static void Run(string file, params string[] arguments)
{
    using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {p.ExitCode}");
}

sealed class Lines : IOperationObserver
{
    public readonly List<string> All = [];
    public void Progress(JameyProgress progress) { }
    public void Warning(string message) { lock (All) All.Add("warning: " + message); }
    public void Verbose(string message) { lock (All) All.Add(message); }
}
