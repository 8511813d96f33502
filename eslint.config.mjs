// ESLint flat config for the npm workspaces (web app, UI packages, e2e test).
// `npm run lint` passes the workspace paths explicitly; the rest of the repo
// belongs to other toolchains.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const WORKSPACES = [
  "packages/patient-monitor-ui-core",
  "packages/patient-monitor-react-components",
  "apps/patient-risk-web",
  "tests/e2e",
];

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "packages/patient-monitor-ui-core/src/generated/**",
    ],
  },
  {
    files: WORKSPACES.map((w) => `${w}/**/*.{ts,tsx,mjs,js}`).concat(["eslint.config.mjs"]),
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always"],
      "no-console": ["error", { allow: ["warn", "error", "log"] }],
    },
  },
  {
    files: [
      "packages/patient-monitor-react-components/**/*.{ts,tsx}",
      "apps/patient-risk-web/**/*.{ts,tsx}",
    ],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ["**/test/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
