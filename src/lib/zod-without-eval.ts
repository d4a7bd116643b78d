import { z } from 'zod';

// The pages' Content-Security-Policy allows no eval (svelte.config.js): zod must not compile
// parsers with `new Function`, nor test whether it may (Firefox reports the test as a violation).
// Import this before creating any schema the browser uses: it configures the module-wide zod.
z.config({ jitless: true });
