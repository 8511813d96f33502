import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedFile, generateTypes, regenerateCommand } from "../scripts/openapi-types.mjs";

describe("generated API types", () => {
  it("match contracts/openapi.yaml (regenerate on drift)", async () => {
    const expected = await generateTypes();
    const current = readFileSync(generatedFile, "utf8");
    expect(
      current === expected,
      `src/generated/openapi.ts differs from contracts/openapi.yaml: run \`${regenerateCommand}\``,
    ).toBe(true);
  });
});
