import { describe, expect, it } from "vitest";
import { formatRelativeTime, formatTimestamp } from "../src/index";

const now = Date.parse("2026-11-28T12:00:00Z");

describe("time formatting", () => {
  it("says how long ago", () => {
    expect(formatRelativeTime("2026-11-28T11:59:50Z", now)).toBe("just now");
    expect(formatRelativeTime("2026-11-28T11:57:00Z", now)).toBe("3 minutes ago");
    expect(formatRelativeTime("2026-11-28T10:00:00Z", now)).toBe("2 hours ago");
    expect(formatRelativeTime("2026-11-27T12:00:00Z", now)).toBe("yesterday");
    expect(formatRelativeTime("not a date", now)).toBe("–");
    expect(formatRelativeTime(null, now)).toBe("–");
  });

  it("prints an absolute time in a given zone", () => {
    expect(formatTimestamp("2026-11-28T09:04:05Z", { timeZone: "UTC" })).toBe("28 Nov 2026, 09:04:05");
    expect(formatTimestamp(undefined)).toBe("–");
  });
});
