// esbuild recipe: the file loader copies the .wasm into the output folder and the import is its URL.
//   esbuild page.js --bundle --format=esm --loader:.wasm=file --outdir=out
import wasmUrl from 'jwtgate/jwtgate_bg.wasm';
import { run } from './page.js';

run(wasmUrl);
