import { describe, expect, it } from "vitest";
import { barLayout } from "./notifications";
import { analyticsUrl, chartSeries, headline, jobLine, problemText, type ShowAnalytics } from "./analytics";

const show: ShowAnalytics = {
  stream_id: "abc",
  status: "stopped",
  hands: 3,
  tables: 1,
  played_hours: 1.5,
  hands_per_hour: 2,
  average_pot: 1250,
  total_pot: 3750,
  showdown_rate: 1 / 3,
  biggest_pots: [{ table: "t1", hand_number: 2, pot: 2400 }, { table: "t1", hand_number: 1, pot: 900 }],
  by_hour: [{ hour: 0, hands: 2, pot: 3300 }, { hour: 1, hands: 1, pot: 450 }],
  players: [
    { player: "Ann", hands: 3, vpip: 2 / 3, pfr: 1 / 3, aggression: 1.5, won: 2400, table_time_s: 5400 },
    { player: "Bob", hands: 2, vpip: null, pfr: null, aggression: null, won: 0, table_time_s: 90 },
  ],
};

describe("show analytics", () => {
  it("addresses the stream's analytics and exports", () => {
    expect(analyticsUrl("http://h:1", " a b ")).toBe("http://h:1/api/v1/streams/a%20b/analytics");
    expect(analyticsUrl("http://h:1", "x", "parquet")).toBe("http://h:1/api/v1/streams/x/analytics?format=parquet");
    expect(analyticsUrl("", "../x", "csv")).toBe("/api/v1/streams/..%2Fx/analytics?format=csv");
  });
  it("formats the headline figures", () => {
    const byLabel = Object.fromEntries(headline(show).map((f) => [f.label, f.value]));
    expect(byLabel).toEqual({
      Hands: "3", "Hands per hour": "2.0", "Average pot": "1,250", "Showdown rate": "33.3%", "Biggest pot": "2,400", Tables: "1",
    });
    const empty = { ...show, hands: 0, hands_per_hour: null, average_pot: null, showdown_rate: null, biggest_pots: [] };
    expect(headline(empty).map((f) => f.value)).toEqual(["0", "–", "–", "–", "–", "1"]);
  });
  it("builds one series per chart, bars in proportion", () => {
    const [hours, vpip, pfr, time] = chartSeries(show);
    expect(hours).toEqual({ title: "Hands per hour of the show", labels: ["h1", "h2"], values: [2, 1] });
    expect(vpip.labels).toEqual(["Ann", "Bob"]);
    expect(vpip.values).toEqual([66.7, 0]);
    expect(pfr.values).toEqual([33.3, 0]);
    expect(time.values).toEqual([90, 1.5]);
    const bars = barLayout(hours.values, 100, 50);
    expect(bars[0].h).toBe(50);
    expect(bars[1].h).toBe(25);
  });
  it("explains failures with the API's words", () => {
    expect(problemText(404, { detail: "stream 'x' not found" })).toBe("stream 'x' not found");
    expect(problemText(404, null)).toBe("no such stream, or it has no event log");
    expect(problemText(413, { detail: "too big" })).toBe("413: too big");
    expect(problemText(500, "oops")).toBe("analytics failed (500)");
  });
  it("says where a background job stands, and why it failed", () => {
    const job = { job_id: "j", status: "running", stage: "replay", progress: 0.4, logs_done: 1, logs_total: 2, error: null,
                  status_url: "/api/v1/analytics/jobs/j" };
    expect(jobLine(job)).toBe("big log: computing in the background (replaying logs 1/2, 40%)");
    expect(jobLine({ ...job, stage: "reduce", progress: 0.8 })).toBe("big log: computing in the background (Ray Data reduction, 80%)");
    expect(jobLine({ ...job, status: "queued", stage: "queued", progress: 0 })).toBe("big log: computing in the background (queued, 0%)");
    expect(jobLine({ ...job, status: "failed", stage: "failed", error: "over the time limit of 900 s; cancelled" }))
      .toBe("the analytics job failed: over the time limit of 900 s; cancelled");
  });
});
