// Turns the API contract (contracts/openapi.yaml) into TypeScript types with
// openapi-typescript. Used by the CLI below and by test/contract.test.ts, which
// fails when the checked-in file no longer matches the contract.
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = resolve(here, "..");
export const repoRoot = resolve(packageDir, "../..");
export const defaultContract = resolve(repoRoot, "contracts/openapi.yaml");
export const generatedFile = resolve(packageDir, "src/generated/openapi.ts");
export const regenerateCommand = "npm run generate:types -w packages/patient-monitor-ui-core";

/** The TypeScript text for the contract at `contractPath`. */
export async function generateTypes(contractPath = defaultContract) {
  if (!existsSync(contractPath)) {
    throw new Error(
      `${relative(repoRoot, contractPath)}: no such file; the typed API client is generated from it`,
    );
  }
  const ast = await openapiTS(pathToFileURL(contractPath), {
    // Keep `additionalProperties` as written and make the output stable.
    alphabetize: false,
    exportType: true,
  });
  const source = relative(repoRoot, contractPath).split("\\").join("/");
  const header =
    `// Generated from ${source} by packages/patient-monitor-ui-core/scripts/openapi-types.mjs.\n` +
    `// Do not edit: change the contract, then run \`${regenerateCommand}\`.\n\n`;
  return header + astToString(ast);
}
