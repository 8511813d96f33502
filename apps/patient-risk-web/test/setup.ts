import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { EventSource } from "eventsource";
import { afterEach } from "vitest";

// jsdom has no EventSource; use a real implementation (fetch-based) so the app
// talks to the test's HTTP server exactly as a browser would.
(globalThis as { EventSource?: unknown }).EventSource = EventSource;

afterEach(() => {
  cleanup();
});
