#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// npm links a workspace bin only if its target exists at install time, so this committed file is the bin
// and the built bundle it loads is produced by `npm run build`.
try {
  require.resolve("../dist/iron.cjs");
} catch {
  process.stderr.write("iron: the CLI is not built (services/cli/dist/iron.cjs is missing); run `npm run build` at the repository root.\n");
  process.exit(1);
}
require("../dist/iron.cjs");
