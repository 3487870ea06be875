// Prepares a wasm module so that wasm-opt inlines only the functions named on the command line:
//
//   node scripts/wasm-inline-only.mjs IN OUT NAME...
//   wasm-opt --no-inline --pass-arg='no-inline@~*' --always-inline-max-function-size=200 ... OUT
//
// It rewrites the module's "name" section: every function keeps its index and its code, the
// named ones keep their names, every other one is renamed "~<index>", so the no-inline pattern
// "~*" covers exactly them. Only the function-name subsection is kept (wasm-opt strips names from
// its output anyway, so nothing else changes). Why a rewrite: wasm-opt's no-inline pattern is a
// single glob, and the mangled names of a Rust module (_ZN…, _R…) share no prefix that the
// compiler builtins lack. Prints how many functions stay inlinable; fails on a malformed module.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, ...keep] = process.argv.slice(2);
if (!input || !output || keep.length === 0) {
  console.error('usage: wasm-inline-only.mjs IN OUT NAME...');
  process.exit(2);
}
const wasm = readFileSync(input);
if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${input}: not a wasm module`);

let pos = 8;
function uleb() {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= wasm.length || shift > 28) throw new Error(`${input}: bad LEB128 at ${pos}`);
    const byte = wasm[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
  }
}
function encodeUleb(n) {
  const bytes = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}
const named = (bytes) => Buffer.concat([encodeUleb(bytes.length), bytes]);

// The function-name subsection, rewritten; returns it and how many names were kept.
function functionNames(end) {
  const count = uleb();
  const entries = [];
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const index = uleb();
    const length = uleb();
    const name = wasm.subarray(pos, pos + length).toString();
    pos += length;
    if (pos > end) throw new Error(`${input}: name entry past its subsection`);
    const keepName = keep.includes(name);
    if (keepName) kept++;
    entries.push(Buffer.concat([encodeUleb(index), named(Buffer.from(keepName ? name : `~${index}`))]));
  }
  const body = Buffer.concat([encodeUleb(count), ...entries]);
  return { subsection: Buffer.concat([Buffer.from([1]), named(body)]), kept };
}

const pieces = [wasm.subarray(0, 8)];
let kept = -1;
while (pos < wasm.length) {
  const sectionStart = pos;
  const id = wasm[pos++];
  const size = uleb();
  const contentStart = pos;
  const end = contentStart + size;
  if (end > wasm.length) throw new Error(`${input}: section ${id} runs past the end`);
  let replacement;
  if (id === 0) {
    const nameBytes = wasm.subarray(pos + 1, pos + 1 + wasm[pos]);
    if (wasm[pos] < 0x80 && nameBytes.toString() === 'name') {
      pos += 1 + nameBytes.length;
      const subsections = [];
      while (pos < end) {
        const subId = wasm[pos++];
        const subSize = uleb();
        const subEnd = pos + subSize;
        if (subId === 1) {
          const names = functionNames(subEnd);
          subsections.push(names.subsection);
          kept = names.kept;
        }
        pos = subEnd;
      }
      const body = Buffer.concat([named(Buffer.from('name')), ...subsections]);
      replacement = Buffer.concat([Buffer.from([0]), named(body)]);
    }
  }
  pieces.push(replacement ?? wasm.subarray(sectionStart, end));
  pos = end;
}
if (kept < 0) throw new Error(`${input}: no function names to select from`);
writeFileSync(output, Buffer.concat(pieces));
console.log(`wasm-inline-only: ${kept} of ${keep.length} named functions left inlinable (${keep.join(', ')})`);
