using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Jamey3.SampleData;

/// <summary>
/// <c>jamey3-sample</c>: generate a sample Jamey data directory, or pretend to be a running Jamey on one.
/// Exit codes: 0 done (also when stopped by signal or stdin for write/hold), 1 failure, 2 bad arguments,
/// 130 generation interrupted.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage:
          jamey3-sample generate --path <dir> --size <bytes|200KB|10MB|1GB> [--seed <n>] [--force]
              Create a Jamey 3.0 data directory (jamey.db in WAL mode + memory/<5 indices>) of about
              that size (binary units: 1MB = 1048576). Same seed and size give the same rows and
              documents. --force first deletes an existing jamey.db* and memory/ in <dir>.
              Prints one line of JSON with the summary.

          jamey3-sample write --path <dir> [--seed <n>] [--duration <seconds>] [--interval-ms <n>]
                              [--rows-per-tick <n>] [--ignore-stdin]
              Act as a running Jamey: open jamey.db and an IndexWriter on every index, print READY,
              then insert/update memories and commit every interval (default 100 ms) until the
              duration passes (default: no limit), stdin closes or reads "stop", or SIGTERM/SIGINT/
              SIGHUP arrives. Prints one line of JSON with counters and exits 0.

          jamey3-sample hold --path <dir> [--ignore-stdin]
              Open jamey.db and an IndexWriter (write.lock) on every index, print READY, and write
              nothing until stdin closes or reads "stop", or a signal arrives. Then roll back and exit 0.

        --ignore-stdin  do not stop when stdin closes (for callers that start the process with
                        stdin at end of file, e.g. redirected from /dev/null).
        Exit codes: 0 ok, 1 failure, 2 bad arguments, 130 generate interrupted.
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help" or "-?")
        {
            (args.Length == 0 ? Console.Error : Console.Out).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            var command = args[0];
            var options = CliOptions.Parse(args.AsSpan(1), command switch
            {
                "generate" => ["path", "size", "seed", "force"],
                "write" => ["path", "seed", "duration", "interval-ms", "rows-per-tick", "ignore-stdin"],
                "hold" => ["path", "ignore-stdin"],
                _ => throw new UsageException($"unknown command '{command}'."),
            });
            return command switch
            {
                "generate" => Generate(options),
                "write" => Write(options),
                _ => Hold(options),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"jamey3-sample: {ex.Message}");
            Console.Error.WriteLine("Run 'jamey3-sample --help' for usage.");
            return 2;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"jamey3-sample: error: {ex.Message}");
            if (Environment.GetEnvironmentVariable("JAMEY3_SAMPLE_DEBUG") == "1") Console.Error.WriteLine(ex);
            return 1;
        }
    }

    private static int Generate(CliOptions o)
    {
        var path = o.Required("path");
        var size = o.Size("size") ?? throw new UsageException("generate needs --size (e.g. --size 10MB).");
        var seed = o.Int("seed", int.MinValue, int.MaxValue) ?? 1;

        if (o.Flag("force"))
        {
            var db = JameyLayout.DatabasePath(path);
            foreach (var f in new[] { db, db + "-wal", db + "-shm", db + "-journal" })
                File.Delete(f);
            var memory = JameyLayout.MemoryPath(path);
            if (Directory.Exists(memory)) Directory.Delete(memory, recursive: true);
        }

        using var cts = new CancellationTokenSource();
        using var signals = StopSignals.Register(cts);
        try
        {
            var summary = SampleDataGenerator.Generate(path, size, seed, cts.Token);
            Console.Out.WriteLine(JsonSerializer.Serialize(summary, Json));
            Console.Out.Flush();
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("jamey3-sample: generation interrupted; the directory is incomplete.");
            return 130;
        }
    }

    private static int Write(CliOptions o)
    {
        var path = o.Required("path");
        var seed = o.Int("seed", int.MinValue, int.MaxValue) ?? 1;
        var duration = o.Double("duration", 0, TimeSpan.MaxValue.TotalSeconds / 2);
        var simOptions = new WriterSimulatorOptions
        {
            CommitIntervalMs = o.Int("interval-ms", 0, 3_600_000) ?? 100,
            RowsPerTick = o.Int("rows-per-tick", 1, 100_000) ?? 5,
        };

        using var cts = new CancellationTokenSource();
        using var signals = StopSignals.Register(cts);
        using var sim = new JameyWriterSimulator(path, seed, simOptions);
        Ready();
        if (duration is > 0) cts.CancelAfter(TimeSpan.FromSeconds(duration.Value));
        if (!o.Flag("ignore-stdin")) StopSignals.WatchStdin(cts);

        sim.Run(cts.Token);
        sim.Dispose();
        TryWriteLine(JsonSerializer.Serialize(sim.GetStats(), Json));
        return 0;
    }

    private static int Hold(CliOptions o)
    {
        var path = o.Required("path");
        using var cts = new CancellationTokenSource();
        using var signals = StopSignals.Register(cts);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using (new JameyLockHolder(path))
        {
            Ready();
            if (!o.Flag("ignore-stdin")) StopSignals.WatchStdin(cts);
            cts.Token.WaitHandle.WaitOne();
        }
        TryWriteLine(JsonSerializer.Serialize(new { held = true, seconds = Math.Round(started.Elapsed.TotalSeconds, 3) }, Json));
        return 0;
    }

    private static void Ready()
    {
        Console.Out.WriteLine("READY");
        Console.Out.Flush();
    }

    // The parent may have gone away already (closed pipe); the exit code still tells the story.
    private static void TryWriteLine(string line)
    {
        try
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
        catch (IOException) { }
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>Turns SIGTERM/SIGINT/SIGQUIT/SIGHUP and end of stdin into a cancellation, so the process can close cleanly.</summary>
internal static class StopSignals
{
    public static IDisposable Register(CancellationTokenSource cts)
    {
        var registrations = new List<PosixSignalRegistration>();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            try
            {
                registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
                {
                    ctx.Cancel = true; // we exit ourselves once writers are closed
                    Cancel(cts);
                }));
            }
            catch (PlatformNotSupportedException) { }
        }
        return new Registrations(registrations);
    }

    public static void WatchStdin(CancellationTokenSource cts)
    {
        var thread = new Thread(() =>
        {
            try
            {
                while (Console.In.ReadLine() is { } line)
                {
                    if (line.Trim().ToLowerInvariant() is "stop" or "quit" or "exit") break;
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            Cancel(cts);
        })
        { IsBackground = true, Name = "stdin-watch" };
        thread.Start();
    }

    private static void Cancel(CancellationTokenSource cts)
    {
        try { cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    private sealed class Registrations(List<PosixSignalRegistration> list) : IDisposable
    {
        public void Dispose() => list.ForEach(r => r.Dispose());
    }
}

/// <summary>Minimal <c>--name value</c> / <c>--name=value</c> parser that rejects anything it does not know.</summary>
internal sealed class CliOptions
{
    private static readonly HashSet<string> Flags = ["force", "ignore-stdin"];
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static CliOptions Parse(ReadOnlySpan<string> args, string[] allowed)
    {
        var o = new CliOptions();
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'.");
            var name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (!allowed.Contains(name))
                throw new UsageException($"unknown option '--{name}'.");
            if (o._values.ContainsKey(name))
                throw new UsageException($"option '--{name}' given twice.");
            if (Flags.Contains(name))
            {
                if (value is not null) throw new UsageException($"option '--{name}' takes no value.");
            }
            else if (value is null)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"option '--{name}' needs a value.");
                value = args[++i];
            }
            o._values[name] = value;
        }
        return o;
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v
            : throw new UsageException($"missing required option '--{name}'.");

    public long? Size(string name)
    {
        if (!_values.TryGetValue(name, out var v)) return null;
        return ByteSize.TryParse(v, out var bytes)
            ? bytes
            : throw new UsageException($"--{name}: '{v}' is not a size (examples: 204800, 200KB, 10MB, 1GB).");
    }

    public int? Int(string name, int min, int max)
    {
        if (!_values.TryGetValue(name, out var v)) return null;
        if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new UsageException($"--{name}: '{v}' is not a whole number between {min} and {max}.");
        return n;
    }

    public double? Double(string name, double min, double max)
    {
        if (!_values.TryGetValue(name, out var v)) return null;
        if (!double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) || d < min || d > max)
            throw new UsageException($"--{name}: '{v}' is not a number between {min} and {max}.");
        return d;
    }
}
