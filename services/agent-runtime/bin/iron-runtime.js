#!/usr/bin/env node
// The built CLI (npm run build). In the repo without a build: node --import tsx --conditions=iron-source services/agent-runtime/src/cli.ts
import "../dist/cli.js";
