import { useEffect, useRef, useState } from "react";
import {
  subscribeToRiskEvents,
  type BackoffOptions,
  type ConnectionState,
  type EventSourceLike,
  type RiskChangedEvent,
} from "patient-monitor-ui-core";

export interface UseRiskEventsOptions {
  /** Called for every valid `risk-changed` event. */
  readonly onRiskChanged: (event: RiskChangedEvent) => void;
  /** Called on every successful (re)connection; `reconnected` means events may have been missed. */
  readonly onOpen?: (info: { readonly reconnected: boolean }) => void;
  readonly createEventSource?: (url: string) => EventSourceLike;
  readonly backoff?: BackoffOptions;
}

/**
 * Keeps one SSE subscription open while mounted (or while `url` is non-null)
 * and returns its connection state. Handlers may change between renders
 * without reopening the stream.
 */
export function useRiskEvents(url: string | null, options: UseRiskEventsOptions): ConnectionState {
  const [state, setState] = useState<ConnectionState>(url ? "connecting" : "closed");
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const { createEventSource, backoff } = options;

  useEffect(() => {
    if (!url) return undefined;
    const subscription = subscribeToRiskEvents({
      url,
      ...(createEventSource ? { createEventSource } : {}),
      ...(backoff ? { backoff } : {}),
      onRiskChanged: (event) => latest.current.onRiskChanged(event),
      onOpen: (info) => latest.current.onOpen?.(info),
      onStateChange: (next) => setState(next),
      onInvalidEvent: (error) => {
        console.warn(`ignored a malformed risk event: ${error.message}`);
      },
    });
    return () => subscription.close();
  }, [url, createEventSource, backoff]);

  return url ? state : "closed";
}
