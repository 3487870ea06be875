// Vite recipe: `?url` makes Vite emit the .wasm as an asset (dev server and build alike) and
// gives its URL.
import wasmUrl from 'jwtgate/jwtgate_bg.wasm?url';
import { run } from './page.js';

run(wasmUrl);
