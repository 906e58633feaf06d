using System.Globalization;
using System.Net;
using System.Text;
using Jamey3.Engine.History;
using Jamey3.Engine.IO;
using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Reports;

/// <summary>
/// A self-contained HTML page of a repository's health, for a person without Grafana: backups over
/// time with their sizes and the bytes they share with earlier backups, the last verification and
/// the recent runs. One file, no script, no external resource: the charts are inline SVG, so it
/// opens from a mail attachment or a file share as it is.
/// </summary>
public static class HealthReport
{
    /// <summary>One backup's bar in the charts.</summary>
    public sealed record BackupPoint(string BackupId, DateTimeOffset CompletedAt, long Size, long StoredSize, long SharedBytes, double DurationSeconds);

    public sealed record Data(string RepositoryPath, DateTimeOffset ReadAt, IReadOnlyList<BackupPoint> Backups,
        RunRecord? LastVerify, RunRecord? LastBackupAttempt, IReadOnlyList<RunRecord> Runs);

    /// <summary>Reads the repository: every Complete backup's manifest and the run history.</summary>
    public static Data Read(string repositoryPath, CancellationToken ct = default)
    {
        var repo = new BackupRepository(repositoryPath);
        if (!repo.Exists) throw new DirectoryNotFoundException($"The backup repository '{repo.Root}' does not exist.");
        var points = new List<BackupPoint>();
        foreach (var b in repo.List(ct).Where(b => b.Status == BackupStatus.Complete))
        {
            ct.ThrowIfCancellationRequested();
            var m = repo.LoadManifest(b.BackupId);
            // Bytes this backup stores as hard links of an earlier backup's files or chunks.
            long shared = m.Files.Sum(f => f.Chunks is { } chunks
                ? chunks.Where(c => !string.IsNullOrEmpty(c.SharedFrom)).Sum(c => c.StoredSize)
                : string.IsNullOrEmpty(f.SharedFrom) ? 0 : f.StoredSize);
            points.Add(new BackupPoint(m.BackupId, m.CompletedAt, m.Totals.Size, m.Totals.StoredSize, shared, m.DurationSeconds));
        }
        points.Sort((a, b) => a.CompletedAt.CompareTo(b.CompletedAt));
        var history = new RunHistory(repo.StateDirectory).Read();
        RunRecord? Latest(RunOperation op) => history.Latest.TryGetValue(op, out var s) ? s.LastAttempt : null;
        return new Data(repo.Root, DateTimeOffset.UtcNow, points, Latest(RunOperation.Verify), Latest(RunOperation.Backup),
            history.Runs.OrderByDescending(r => r.FinishedAt).Take(20).ToList());
    }

    /// <summary>Writes the report atomically (a reader never sees half a page).</summary>
    public static Data Write(string repositoryPath, string outputFile, CancellationToken ct = default)
    {
        var data = Read(repositoryPath, ct);
        Durability.WriteFileAtomically(outputFile, Encoding.UTF8.GetBytes(Render(data)));
        return data;
    }

    static string H(string? s) => WebUtility.HtmlEncode(s ?? "");
    static string Bytes(long n) => Progress.HumanUnits.Bytes(n);
    static string When(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Render(Data d)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Jamey3 backup health</title><style>")
          .Append("body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
          .Append(".cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:10px 14px;min-width:180px}")
          .Append(".ok{color:#fff;background:#1a7f37;padding:0 4px}.bad{color:#fff;background:#cf222e;padding:0 4px}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;font-size:13px}")
          .Append(".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}</style></head><body>\n");
        sb.Append($"<h1>Jamey3 backup health</h1><p>Repository <code>{H(d.RepositoryPath)}</code>, read {H(When(d.ReadAt))}.</p>\n");

        var last = d.Backups.LastOrDefault();
        sb.Append("<div class=\"cards\">");
        sb.Append($"<div class=\"card\" id=\"card-backups\"><b>Backups</b><br>{d.Backups.Count} complete</div>");
        sb.Append(last is null ? "<div class=\"card\" id=\"card-last\"><b>Last good backup</b><br><span class=\"bad\">none</span></div>"
            : $"<div class=\"card\" id=\"card-last\"><b>Last good backup</b><br>{H(When(last.CompletedAt))}<br>{H(Bytes(last.Size))} of data</div>");
        sb.Append(d.LastVerify is null ? "<div class=\"card\" id=\"card-verify\"><b>Last verification</b><br>never</div>"
            : $"<div class=\"card\" id=\"card-verify\"><b>Last verification</b><br><span class=\"{(d.LastVerify.Success ? "ok" : "bad")}\">{(d.LastVerify.Success ? "passed" : "failed")}</span> {H(When(d.LastVerify.FinishedAt))}</div>");
        sb.Append(d.LastBackupAttempt is null ? "<div class=\"card\" id=\"card-run\"><b>Last backup run</b><br>never</div>"
            : $"<div class=\"card\" id=\"card-run\"><b>Last backup run</b><br><span class=\"{(d.LastBackupAttempt.Success ? "ok" : "bad")}\">{(d.LastBackupAttempt.Success ? "succeeded" : "failed")}</span> {H(When(d.LastBackupAttempt.FinishedAt))}</div>");
        sb.Append("</div>\n");

        sb.Append("<h2>Backups over time: data, stored and shared bytes</h2>\n");
        sb.Append("<p class=\"legend\"><span style=\"background:#4c78a8\"></span>data backed up<span style=\"background:#f58518\"></span>stored on disk<span style=\"background:#54a24b\"></span>shared with earlier backups</p>\n");
        sb.Append(Chart("chart-sizes", d.Backups, [("#4c78a8", p => p.Size), ("#f58518", p => p.StoredSize), ("#54a24b", p => p.SharedBytes)], Bytes));
        sb.Append("<h2>Backup durations</h2>\n");
        sb.Append(Chart("chart-durations", d.Backups, [("#72b7b2", p => (long)Math.Round(p.DurationSeconds * 1000))],
            ms => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.##} s")));

        sb.Append("<h2>Recent runs (backups, verifications, restores, retention; scheduled or not)</h2>\n<table id=\"runs\"><tr><th>finished</th><th>operation</th><th>outcome</th><th>backup</th><th>error</th></tr>");
        foreach (var r in d.Runs)
            sb.Append($"<tr><td>{H(When(r.FinishedAt))}</td><td>{r.Operation}</td><td class=\"{(r.Success ? "ok" : "bad")}\">{(r.Success ? "succeeded" : "failed")}</td><td>{H(r.BackupId)}</td><td>{H(r.Error)}</td></tr>");
        sb.Append("</table>\n</body></html>\n");
        return sb.ToString();
    }

    // Grouped bars, one group per backup, scaled to the largest value; an empty repository draws an axis and says so.
    static string Chart(string id, IReadOnlyList<BackupPoint> points, (string Color, Func<BackupPoint, long> Value)[] series, Func<long, string> label)
    {
        const int width = 760, height = 220, left = 80, bottom = 30;
        var max = Math.Max(1, points.SelectMany(p => series.Select(s => s.Value(p))).DefaultIfEmpty(1).Max());
        var sb = new StringBuilder($"<svg id=\"{id}\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">");
        sb.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width}\" y2=\"{height - bottom}\" stroke=\"#888\"/>");
        sb.Append($"<text x=\"{left - 6}\" y=\"14\" text-anchor=\"end\" font-size=\"11\">{H(label(max))}</text><text x=\"{left - 6}\" y=\"{height - bottom}\" text-anchor=\"end\" font-size=\"11\">0</text>");
        if (points.Count == 0) sb.Append($"<text x=\"{left + 10}\" y=\"{height / 2}\" font-size=\"13\">no complete backup yet</text>");
        var group = (double)(width - left - 10) / Math.Max(points.Count, 1);
        var bar = Math.Max(2, Math.Min(40, group * 0.8 / series.Length));
        for (int i = 0; i < points.Count; i++)
        {
            for (int s = 0; s < series.Length; s++)
            {
                var v = series[s].Value(points[i]);
                var h = (height - bottom - 20) * (double)v / max;
                var x = left + 5 + i * group + s * bar;
                sb.Append(string.Create(CultureInfo.InvariantCulture,
                    $"<rect class=\"bar\" x=\"{x:0.#}\" y=\"{height - bottom - h:0.#}\" width=\"{bar - 1:0.#}\" height=\"{h:0.#}\" fill=\"{series[s].Color}\"><title>{H(points[i].BackupId)}: {H(label(v))}</title></rect>"));
            }
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"<text x=\"{left + 5 + i * group:0.#}\" y=\"{height - 12}\" font-size=\"10\">{H(points[i].CompletedAt.UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture))}</text>"));
        }
        return sb.Append("</svg>\n").ToString();
    }
}
