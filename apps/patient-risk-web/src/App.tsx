import { useMemo } from "react";
import { Link, Route, Routes } from "react-router";
import type { ApiClient, ConnectionState } from "patient-monitor-ui-core";
import { LiveRegion, useLivePatients } from "patient-monitor-react-components";
import { AppContext } from "./live";
import { PatientListPage } from "./pages/PatientListPage";
import { PatientPage } from "./pages/PatientPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { APP_NAME } from "./useDocumentTitle";
import { useOnline } from "./useOnline";

export interface AppProps {
  readonly client: ApiClient;
}

type LinkState = "live" | "connecting" | "reconnecting" | "offline";

function linkState(online: boolean, connection: ConnectionState): LinkState {
  if (!online) return "offline";
  if (connection === "open") return "live";
  if (connection === "reconnecting") return "reconnecting";
  return "connecting";
}

const LINK_TEXT: Record<LinkState, string> = {
  live: "Live",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function App({ client }: AppProps) {
  const live = useLivePatients(client);
  const online = useOnline();
  const state = linkState(online, live.connection);
  const context = useMemo(() => ({ client, live }), [client, live]);

  return (
    <AppContext.Provider value={context}>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header__inner">
          <Link to="/" className="brand">
            <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M5 17h6l2.5-6 4 12 3-8 1.5 2H27" />
            </svg>
            <span>{APP_NAME}</span>
          </Link>
          <span className={`link-state link-state--${state}`} data-testid="link-state">
            <span className="link-state__dot" aria-hidden="true" />
            <span className="link-state__text">{LINK_TEXT[state]}</span>
          </span>
        </div>
      </header>
      {state === "offline" || state === "reconnecting" ? (
        <div className="banner banner--warning" role="status">
          <strong>{state === "offline" ? "You are offline." : "Live updates interrupted."}</strong>{" "}
          {live.status === "ready" ? "Showing the last data received; reconnecting" : "Reconnecting"} automatically.
        </div>
      ) : null}
      <main id="content" className="app-main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<PatientListPage />} />
          <Route path="/patients/:patientId" element={<PatientPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
      <footer className="app-footer">
        Decision support only: confirm every alert at the bedside.
      </footer>
      <LiveRegion message={live.announcement} />
    </AppContext.Provider>
  );
}
