#!/usr/bin/env bash
# The whole test suite: type checks, a production build of the web app (the browser tests
# serve it), then vitest. Run `npm run setup` once before.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npx svelte-kit sync
npx svelte-check --tsconfig ./tsconfig.json --threshold error --output machine
npx vite build --logLevel warn
npx vitest run "$@"
