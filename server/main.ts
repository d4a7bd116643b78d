import { start } from './start.js';
import { loadBuiltWebApp } from './web-app.js';

// Production entry: the built SvelteKit app behind the same server as signaling and media.
await start(loadBuiltWebApp);
