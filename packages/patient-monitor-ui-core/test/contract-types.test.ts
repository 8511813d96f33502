import { describe, expect, it } from "vitest";
import type { PatientSummary, RiskChangedEvent, RiskChangedEventSchema, RiskLevel, RiskSnapshot } from "../src/index";

// Compile-time checks (run by `npm run typecheck`): the hand-written runtime
// parsers and helpers agree with the generated contract types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const riskEventMatches: Same<RiskChangedEvent, RiskChangedEventSchema> = true;
const levelsMatch: Same<RiskLevel, RiskSnapshot["level"]> = true;
const latestIsNullable: Same<PatientSummary["latest"], RiskSnapshot | null> = true;

describe("hand-written types vs the contract", () => {
  it("agree (checked by tsc)", () => {
    expect([riskEventMatches, levelsMatch, latestIsNullable]).toEqual([true, true, true]);
  });
});
