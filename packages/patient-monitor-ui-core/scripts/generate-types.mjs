#!/usr/bin/env node
// Usage: node scripts/generate-types.mjs [--check] [--input path/to/openapi.yaml]
//   (no flag)  rewrite src/generated/openapi.ts from the contract
//   --check    exit 1 when src/generated/openapi.ts differs from what the contract gives
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  defaultContract,
  generatedFile,
  generateTypes,
  regenerateCommand,
  repoRoot,
} from "./openapi-types.mjs";

const { values } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    input: { type: "string" },
  },
});
const input = values.input ? resolve(process.cwd(), values.input) : defaultContract;

try {
  const text = await generateTypes(input);
  const target = relative(repoRoot, generatedFile);
  if (values.check) {
    let current = "";
    try {
      current = readFileSync(generatedFile, "utf8");
    } catch {
      current = "";
    }
    if (current !== text) {
      console.error(
        `${target} is out of date with ${relative(repoRoot, input)}; run \`${regenerateCommand}\` and commit the result`,
      );
      process.exit(1);
    }
    console.log(`${target} matches ${relative(repoRoot, input)}`);
  } else {
    mkdirSync(dirname(generatedFile), { recursive: true });
    writeFileSync(generatedFile, text);
    console.log(`wrote ${target} from ${relative(repoRoot, input)}`);
  }
} catch (error) {
  console.error(`generate-types: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
