// Show analytics of a platform stream (console served by `ggp serve`, a platform user signed in): the
// headline figures and bar charts of GET /api/v1/streams/{id}/analytics, and the per-player table as
// CSV or Parquet. The stream comes from ?stream=ID or is typed in; hidden until someone is signed in.

import { useEffect, useState } from "react";
import { analyticsUrl, chartSeries, headline, problemText, type ShowAnalytics } from "../lib/analytics";
import { BarChart, useToken } from "./NotificationCentre";

export function AnalyticsPanel() {
  const token = useToken();
  const origin = window.location.origin;
  const [streamId, setStreamId] = useState(() => new URLSearchParams(window.location.search).get("stream") ?? "");
  const [result, setResult] = useState<ShowAnalytics | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => setResult(null), [streamId]);
  if (!token) return null;

  const load = async () => {
    setProblem(null);
    setLoading(true);
    try {
      const response = await fetch(analyticsUrl(origin, streamId), { headers: { Authorization: `Bearer ${token}` } });
      const body = (await response.json().catch(() => null)) as unknown;
      if (!response.ok) {
        setResult(null);
        setProblem(problemText(response.status, body));
      } else {
        setResult(body as ShowAnalytics);
      }
    } catch {
      setProblem("the platform API is not reachable from this page");
    } finally {
      setLoading(false);
    }
  };

  const download = async (format: "csv" | "parquet") => {
    const response = await fetch(analyticsUrl(origin, streamId, format), { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) return setProblem(problemText(response.status, await response.json().catch(() => null)));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `stream-${streamId.trim()}-players.${format}`;
    link.click();
    URL.revokeObjectURL(link.href);
  };

  return (
    <section className="panel analytics" data-testid="analytics-panel">
      <h3>Show analytics</h3>
      <div className="row">
        <input value={streamId} onChange={(e) => setStreamId(e.target.value)} placeholder="stream id" aria-label="stream id" data-testid="analytics-stream" />
        <button type="button" className="primary" disabled={!streamId.trim() || loading} onClick={() => void load()} data-testid="analytics-load">
          {loading ? "Loading…" : "Load"}
        </button>
        <button type="button" disabled={!result} onClick={() => void download("csv")} data-testid="analytics-csv">CSV</button>
        <button type="button" disabled={!result} onClick={() => void download("parquet")} data-testid="analytics-parquet">Parquet</button>
      </div>
      {problem && <p className="problem" data-testid="analytics-problem">{problem}</p>}
      {result && (
        <>
          <div className="figures" data-testid="analytics-figures">
            {headline(result).map((f) => (
              <div key={f.label} className="figure" data-name={f.label}>
                <span>{f.label}</span>
                <b>{f.value}</b>
              </div>
            ))}
          </div>
          <div className="charts">
            {chartSeries(result).map((s) => (
              <figure key={s.title} data-testid="analytics-chart">
                <figcaption>{s.title}</figcaption>
                <BarChart title={s.title} values={s.values} labels={s.labels} width={300} height={90} />
                {s.labels.length <= 10 && <div className="bar-labels">{s.labels.map((l, i) => <span key={`${l}-${i}`}>{l}</span>)}</div>}
              </figure>
            ))}
          </div>
          <table className="players" data-testid="analytics-players">
            <thead>
              <tr><th>Player</th><th>Hands</th><th>VPIP</th><th>PFR</th><th>AF</th><th>Won</th><th>Table time</th></tr>
            </thead>
            <tbody>
              {result.players.map((p) => (
                <tr key={p.player}>
                  <td>{p.player}</td>
                  <td>{p.hands}</td>
                  <td>{p.vpip === null ? "–" : `${(100 * p.vpip).toFixed(0)}%`}</td>
                  <td>{p.pfr === null ? "–" : `${(100 * p.pfr).toFixed(0)}%`}</td>
                  <td>{p.aggression === null ? "–" : p.aggression.toFixed(2)}</td>
                  <td>{p.won.toLocaleString("en-US")}</td>
                  <td>{`${(p.table_time_s / 60).toFixed(1)} min`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
