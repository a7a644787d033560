// Stream controls through the platform (`ggp serve`): sign in, pick destinations, start and stop the
// project's stream with the GraphQL API (Apollo Client). Shown when the console runs under `ggp serve`.

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { ApolloProvider, useMutation } from "@apollo/client/react";
import { useMemo, useState } from "react";

/** Where the platform access token of the signed-in user is kept (per tab). */
export const PLATFORM_TOKEN_KEY = "ggp-platform-token";
const TOKEN_KEY = PLATFORM_TOKEN_KEY;

const START_STREAM = gql`
  mutation StartStream($projectId: ID!, $destinationIds: [ID!]!) {
    startStream(projectId: $projectId, settings: { destinationIds: $destinationIds }) {
      id
      status
      error
    }
  }
`;

const STOP_STREAM = gql`
  mutation StopStream($streamId: ID!) {
    stopStream(streamId: $streamId) {
      id
      status
      error
    }
  }
`;

interface StreamResult {
  id: string;
  status: string;
  error: string | null;
}

interface Destination {
  id: string;
  name: string;
  url: string;
}

/** An Apollo client for the platform's GraphQL API, sending the signed-in user's bearer token. */
export function platformClient(origin: string, token: () => string | null): ApolloClient {
  const auth = new SetContextLink((prev) => {
    const t = token();
    return t ? { headers: { ...(prev.headers ?? {}), Authorization: `Bearer ${t}` } } : {};
  });
  return new ApolloClient({
    link: ApolloLink.from([auth, new HttpLink({ uri: `${origin}/graphql` })]),
    cache: new InMemoryCache(),
  });
}

function Controls({ token, origin, projectFromUrl, streamFromUrl }: { token: string; origin: string; projectFromUrl: string; streamFromUrl: string }) {
  const [projectId, setProjectId] = useState(projectFromUrl);
  const [destinations, setDestinations] = useState<Destination[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [streamId, setStreamId] = useState(streamFromUrl);
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [start, starting] = useMutation<{ startStream: StreamResult }>(START_STREAM);
  const [stop, stopping] = useMutation<{ stopStream: StreamResult }>(STOP_STREAM);

  const loadDestinations = async () => {
    setProblem(null);
    const response = await fetch(`${origin}/api/v1/projects/${encodeURIComponent(projectId)}/destinations`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) {
      setProblem(`destinations: ${response.status} ${await response.text()}`);
      return;
    }
    setDestinations((await response.json()) as Destination[]);
  };

  const onStart = async () => {
    setProblem(null);
    try {
      const result = await start({ variables: { projectId, destinationIds: chosen } });
      const s = result.data?.startStream;
      if (s) {
        setStreamId(s.id);
        setStatus(s.status);
      }
    } catch (e) {
      setProblem((e as Error).message);
    }
  };

  const onStop = async () => {
    setProblem(null);
    try {
      const result = await stop({ variables: { streamId } });
      setStatus(result.data?.stopStream.status ?? null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };

  return (
    <>
      <div className="row">
        <input value={projectId} onChange={(e) => setProjectId(e.target.value)} placeholder="project id" aria-label="project id" data-testid="stream-project" />
        <button type="button" onClick={() => void loadDestinations()} disabled={!projectId} data-testid="stream-destinations">
          Destinations
        </button>
      </div>
      {destinations && (
        <div className="destinations">
          {destinations.length === 0 && <span>no destinations in this project</span>}
          {destinations.map((d) => (
            <label key={d.id}>
              <input
                type="checkbox"
                data-testid={`stream-destination-${d.name}`}
                checked={chosen.includes(d.id)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, d.id] : c.filter((x) => x !== d.id)))}
              />
              {d.name} <small>{d.url}</small>
            </label>
          ))}
        </div>
      )}
      <div className="row">
        <button type="button" className="primary" disabled={!projectId || starting.loading} onClick={() => void onStart()} data-testid="stream-start">
          Start stream
        </button>
        <button type="button" className="danger" disabled={!streamId || stopping.loading} onClick={() => void onStop()} data-testid="stream-stop">
          Stop stream
        </button>
        <span data-testid="stream-status">{streamId ? `${streamId}: ${status ?? "?"}` : "not started here"}</span>
      </div>
      {problem && (
        <p className="problem" data-testid="stream-problem">
          {problem}
        </p>
      )}
    </>
  );
}

export function StreamPanel() {
  const origin = window.location.origin;
  const params = new URLSearchParams(window.location.search);
  const [token, setToken] = useState<string | null>(() => window.sessionStorage.getItem(TOKEN_KEY));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const client = useMemo(() => platformClient(origin, () => window.sessionStorage.getItem(TOKEN_KEY)), [origin]);
  const onPlatform = params.has("stream") || params.has("project") || token !== null;

  const login = async (event: React.FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const response = await fetch(`${origin}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    }).catch(() => null);
    if (!response) return setProblem("the platform API is not reachable from this page");
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; mfa_required?: boolean; detail?: unknown; error?: { message?: string } };
    if (!response.ok || !body.access_token) {
      setProblem(body.mfa_required ? "this account needs its TOTP code: sign in on the platform first" : (body.error?.message ?? `sign-in failed (${response.status})`));
      return;
    }
    window.sessionStorage.setItem(TOKEN_KEY, body.access_token);
    setToken(body.access_token);
    // The control connection of a platform stream signs in with this token: start it again.
    if (params.has("stream")) window.location.reload();
  };

  return (
    <section className="panel stream" data-testid="stream-panel">
      <h3>Stream</h3>
      {!onPlatform ? (
        <p className="hint">
          Stream start/stop goes through the platform: open the console from <code>ggp serve</code> (with <code>?project=ID</code> or <code>?stream=ID</code>). A graph run by
          <code> ggp run</code> streams for as long as it runs.
        </p>
      ) : token === null ? (
        <form className="row" onSubmit={(e) => void login(e)}>
          <input value={email} onChange={(e) => setEmail(e.target.value)} placeholder="email" aria-label="email" autoComplete="username" data-testid="stream-email" />
          <input value={password} onChange={(e) => setPassword(e.target.value)} type="password" placeholder="password" aria-label="password" autoComplete="current-password" data-testid="stream-password" />
          <button type="submit" className="primary" data-testid="stream-signin">
            Sign in
          </button>
          {problem && (
            <span className="problem" data-testid="stream-problem">
              {problem}
            </span>
          )}
        </form>
      ) : (
        <ApolloProvider client={client}>
          <Controls token={token} origin={origin} projectFromUrl={params.get("project") ?? ""} streamFromUrl={params.get("stream") ?? ""} />
        </ApolloProvider>
      )}
    </section>
  );
}
