// A small reader for the parts of the WebAssembly binary format a proxy-wasm host needs:
// function types, imports and exports with their signatures. Node's WebAssembly.Module.imports()
// does not report signatures, and Envoy refuses a module whose import signature differs from
// its own ("import type mismatch"), so the stand-in host checks them from the binary itself.
//
// Signatures use one letter per value type: i = i32, I = i64, f = f32, F = f64; "params>results".

const VALTYPES = { 0x7f: 'i', 0x7e: 'I', 0x7d: 'f', 0x7c: 'F', 0x7b: 'v', 0x70: 'r', 0x6f: 'r' };

class Reader {
  constructor(bytes, pos = 0, end = bytes.length) {
    this.b = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte() {
    if (this.pos >= this.end) throw new Error(`wasm: unexpected end at ${this.pos}`);
    return this.b[this.pos++];
  }
  uleb() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
      if (shift > 35) throw new Error('wasm: LEB128 too long');
    }
  }
  bytes(n) {
    if (this.pos + n > this.end) throw new Error('wasm: read past end');
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name() {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(this.uleb()));
  }
  valtype() {
    const t = this.byte();
    if (!(t in VALTYPES)) throw new Error(`wasm: unknown value type 0x${t.toString(16)}`);
    return VALTYPES[t];
  }
  limits() {
    const flags = this.byte();
    const min = this.uleb();
    const max = flags & 1 ? this.uleb() : null;
    return { min, max };
  }
}

/** Parses `bytes` (a Uint8Array) and returns { types, imports, exports, customSections }. */
export function parseModule(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('wasm: bad magic');
  }
  const r = new Reader(bytes, 8);
  const types = [];
  const imports = [];
  const exports = [];
  const funcTypes = []; // type index per function index (imports first)
  const customSections = [];
  while (r.pos < r.end) {
    const id = r.byte();
    const size = r.uleb();
    const s = new Reader(bytes, r.pos, r.pos + size);
    r.pos += size;
    if (id === 0) {
      customSections.push(s.name());
    } else if (id === 1) {
      for (let n = s.uleb(); n > 0; n--) {
        const form = s.byte();
        if (form !== 0x60) throw new Error('wasm: only function types are supported');
        const params = [];
        for (let k = s.uleb(); k > 0; k--) params.push(s.valtype());
        const results = [];
        for (let k = s.uleb(); k > 0; k--) results.push(s.valtype());
        types.push(`${params.join('')}>${results.join('')}`);
      }
    } else if (id === 2) {
      for (let n = s.uleb(); n > 0; n--) {
        const module = s.name();
        const name = s.name();
        const kind = s.byte();
        const imp = { module, name, kind: ['func', 'table', 'memory', 'global', 'tag'][kind] };
        if (kind === 0) {
          const t = s.uleb();
          imp.sig = types[t];
          funcTypes.push(t);
        } else if (kind === 1) {
          s.byte();
          s.limits();
        } else if (kind === 2) {
          imp.limits = s.limits();
        } else if (kind === 3) {
          s.valtype();
          s.byte();
        } else {
          s.byte();
          s.uleb();
        }
        imports.push(imp);
      }
    } else if (id === 3) {
      for (let n = s.uleb(); n > 0; n--) funcTypes.push(s.uleb());
    } else if (id === 7) {
      for (let n = s.uleb(); n > 0; n--) {
        const name = s.name();
        const kind = ['func', 'table', 'memory', 'global', 'tag'][s.byte()];
        const index = s.uleb();
        exports.push({ name, kind, index });
      }
    }
  }
  for (const e of exports) {
    if (e.kind === 'func') e.sig = types[funcTypes[e.index]];
  }
  return { types, imports, exports, customSections };
}
