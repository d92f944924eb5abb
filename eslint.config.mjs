// ESLint flat config: Next.js's own rules (core web vitals: React, hooks, accessibility,
// imports, @next/next) and its TypeScript rules (typescript-eslint's recommended set).
// Formatting is Prettier's job (.prettierrc); nothing here concerns layout. Every rule
// tuned below says why.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      // A leading underscore marks a binding kept on purpose: a property destructured out so
      // that `...rest` leaves it behind, or a positional parameter a signature requires.
      // A catch clause's error may go unread when the failure itself is the information.
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // `cond ? a() : b()` and `ok && f()` as statements are the code's idiom for a two-way
      // or guarded side effect; a bare expression with no effect is still reported.
      "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    files: ["tests/**", "e2e/**", "**/*.test.ts", "**/*.test.tsx", "scripts/bench/**"],
    rules: {
      // Tests read untyped JSON answers and poke at internals on purpose; `any` there is the
      // subject of an assertion, not an API anyone builds on.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["e2e/**", "tests/**"],
    rules: {
      // No React components here: Playwright's fixture callback is named `use`, and test
      // helpers such as useDbHandle() are plain functions, not React hooks.
      "react-hooks/rules-of-hooks": "off",
    },
  },
  {
    files: ["**/*.cjs"],
    rules: {
      // CommonJS by definition (a `node --require` preload): require() is its import.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["public/**/*.js", "devtools/**/*.js"],
    rules: {
      // Browser stand-ins written as plain functions and prototypes, served as is (no build):
      // `var self = this` keeps the object inside callbacks.
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  globalIgnores([
    // Generated or not ours.
    ".next/**",
    ".next-*/**",
    "next-env.d.ts",
    "coverage/**",
    "test-results/**",
    "playwright-report/**",
    ".data/**",
    "db/migrations/**",
  ]),
]);
