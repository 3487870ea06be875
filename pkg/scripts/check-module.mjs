// Checks that a built module still instantiates and answers through its glue (wasm-opt output
// from some binaryen versions does not: see build.sh). Usage: check-module.mjs DIR NAME.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, name] = process.argv.slice(2);
const glue = await import(pathToFileURL(join(dir, `${name}.js`)).href);
glue.initSync({ module: readFileSync(join(dir, `${name}_bg.wasm`)) });
const answers = {
  jwtgate_mint: () => glue.mintTestIdentity('{"alg":"none"}', 0),
  // A gate configured with no provider refuses it: the refusal is thrown as { code, message }.
  jwtgate_gate: () => {
    try {
      return new glue.Gate().configure('{"providers":[]}');
    } catch (e) {
      if (typeof e?.code !== 'string') throw e;
      return JSON.stringify({ err: e });
    }
  },
};
const answer = (answers[name] ?? (() => glue.codes()))();
// Either envelope proves the module ran; a trap or a broken table would have thrown.
const parsed = JSON.parse(answer);
if (!('ok' in parsed) && !('err' in parsed)) throw new Error(`${name}: unexpected answer ${answer}`);
