// Show analytics of a platform stream (console served by `ggp serve`, a platform user signed in): the
// headline figures and bar charts of GET /api/v1/streams/{id}/analytics, and the per-player table as
// CSV or Parquet. The stream comes from ?stream=ID or is typed in; hidden until someone is signed in.
// A log over the platform's in-process cap answers 202 with a background job: the panel shows its
// progress, polling the job once a second (bounded), and loads the figures when it is done.

import { useEffect, useState } from "react";
import { type AnalyticsJob, analyticsUrl, chartSeries, headline, jobLine, problemText, type ShowAnalytics } from "../lib/analytics";
import { BarChart, useToken } from "./NotificationCentre";

const JOB_POLL_MS = 1000;
const JOB_POLLS = 3600; // an hour: the platform's own job time limit ends it sooner

export function AnalyticsPanel() {
  const token = useToken();
  const origin = window.location.origin;
  const [streamId, setStreamId] = useState(() => new URLSearchParams(window.location.search).get("stream") ?? "");
  const [result, setResult] = useState<ShowAnalytics | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [job, setJob] = useState<AnalyticsJob | null>(null);
  useEffect(() => setResult(null), [streamId]);
  if (!token) return null;

  const headers = { Authorization: `Bearer ${token}` };

  /** Follow a background job until it ends; true when it is done (the stream's analytics then answer 200). */
  const follow = async (started: AnalyticsJob): Promise<boolean> => {
    let current = started;
    for (let poll = 0; poll < JOB_POLLS && (current.status === "queued" || current.status === "running"); poll++) {
      setJob(current);
      await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
      const response = await fetch(`${origin}${current.status_url}`, { headers });
      if (!response.ok) {
        setProblem(problemText(response.status, await response.json().catch(() => null)));
        return false;
      }
      current = (await response.json()) as AnalyticsJob;
    }
    setJob(null);
    if (current.status !== "done") setProblem(current.status === "failed" ? jobLine(current) : "the analytics job is still running; load again later");
    return current.status === "done";
  };

  const load = async () => {
    setProblem(null);
    setJob(null);
    setLoading(true);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(analyticsUrl(origin, streamId), { headers });
        const body = (await response.json().catch(() => null)) as unknown;
        if (response.status === 202) {
          setResult(null);
          if (await follow((body as { job: AnalyticsJob }).job)) continue;
          return;
        }
        if (!response.ok) {
          setResult(null);
          setProblem(problemText(response.status, body));
        } else {
          setResult(body as ShowAnalytics);
        }
        return;
      }
      setProblem("the event log grew while it was analysed; load again");
    } catch {
      setProblem("the platform API is not reachable from this page");
    } finally {
      setJob(null);
      setLoading(false);
    }
  };

  const download = async (format: "csv" | "parquet") => {
    const response = await fetch(analyticsUrl(origin, streamId, format), { headers });
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
      {job && <p className="job" data-testid="analytics-job">{jobLine(job)}</p>}
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
