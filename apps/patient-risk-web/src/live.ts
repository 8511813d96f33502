import { createContext, useContext } from "react";
import type { ApiClient } from "patient-monitor-ui-core";
import type { LivePatients } from "patient-monitor-react-components";

export interface AppContextValue {
  readonly client: ApiClient;
  readonly live: LivePatients;
}

export const AppContext = createContext<AppContextValue | null>(null);

/** The API client and the one live patient list shared by every page. */
export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp() must be used inside <App>");
  return value;
}
