// React glue: one ControlClient per page, its events folded into the console state.

import { useEffect, useReducer, useRef } from "react";
import { ControlClient, endpointFor } from "./lib/client";
import { initialState, reduce, type ConsoleEvent, type ConsoleState } from "./lib/store";
import { PLATFORM_TOKEN_KEY } from "./components/StreamPanel";

/** Read `?token=` / `?session=` once, then drop the token from the address bar (it is one-time). */
function takeCredentials(): { token: string | null; session: string | null } {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  const session = url.searchParams.get("session");
  if (token || session) {
    url.searchParams.delete("token");
    url.searchParams.delete("session");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return { token, session };
}

/** The console state and the client that changes it. */
export function useControl(): [ConsoleState, ControlClient | null] {
  const [state, dispatch] = useReducer(reduce, initialState);
  const clientRef = useRef<ControlClient | null>(null);
  const credentials = useRef<{ token: string | null; session: string | null } | null>(null);
  if (credentials.current === null) credentials.current = takeCredentials();

  useEffect(() => {
    // Through the platform (`?stream=ID`) the signed-in user's access token is the session.
    const platform = new URLSearchParams(window.location.search).has("stream");
    const client = new ControlClient({
      endpoint: endpointFor(window.location),
      dispatch: (event: ConsoleEvent) => dispatch(event),
      token: credentials.current?.token,
      session: credentials.current?.session ?? (platform ? window.sessionStorage.getItem(PLATFORM_TOKEN_KEY) : null),
      storage: window.sessionStorage,
    });
    clientRef.current = client;
    void client.start();
    const online = () => client.connect();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      client.stop();
      clientRef.current = null;
    };
  }, []);

  return [state, clientRef.current];
}
