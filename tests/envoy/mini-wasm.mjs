// Hand-assembles tiny proxy-wasm modules for testing the stand-in host's linking and start-up
// rules (what Envoy refuses), independently of the real filter.

const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const str = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items) => [...leb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
const T = { i: 0x7f, I: 0x7e };
const STREAM_SIGS = { proxy_on_request_headers: 'iii>i', proxy_on_request_body: 'iii>i', proxy_on_request_trailers: 'ii>i' };
const functype = (sig) => {
  const [p, r] = sig.split('>');
  return [0x60, ...vec([...p].map((c) => [T[c]])), ...vec([...r].map((c) => [T[c]]))];
};

/**
 * imports: [{ module, name, sig }]; init: index of the import `_initialize` calls (or null);
 * marker: whether to export proxy_abi_version_0_2_1; stream: HTTP callbacks to export, each
 * returning a constant action (`{ proxy_on_request_headers: 1, proxy_on_request_body: 0 }`).
 */
export function miniModule({ imports = [], init = null, marker = true, stream = {} } = {}) {
  const types = [];
  const typeIndex = (sig) => {
    let i = types.indexOf(sig);
    if (i < 0) i = types.push(sig) - 1;
    return i;
  };
  const importEntries = imports.map((imp) => [...str(imp.module), ...str(imp.name), 0x00, ...leb(typeIndex(imp.sig))]);
  // Defined functions: _initialize ()→(), malloc (i)→i, marker ()→(), on_context_create (ii)→(),
  // on_vm_start (ii)→i, on_configure (ii)→i.
  const defs = [
    ['_initialize', '>'],
    ['malloc', 'i>i'],
    ['proxy_abi_version_0_2_1', '>'],
    ['proxy_on_context_create', 'ii>'],
    ['proxy_on_vm_start', 'ii>i'],
    ['proxy_on_configure', 'ii>i'],
    ...Object.keys(stream).map((name) => [name, STREAM_SIGS[name]]),
  ];
  const funcs = defs.map(([, sig]) => leb(typeIndex(sig)));
  const nImports = imports.length;
  const bodies = defs.map(([name, sig]) => {
    let code = [];
    if (name === '_initialize' && init !== null) {
      const [params, result] = imports[init].sig.split('>');
      for (const c of params) code.push(...(c === 'i' ? [0x41, 0x00] : [0x42, 0x00]));
      code.push(0x10, ...leb(init));
      if (result) code.push(0x1a);
    }
    if (name === 'malloc') code = [0x41, ...leb(1024)];
    if (sig.endsWith('>i') && name !== 'malloc') code = [0x41, ...leb(stream[name] ?? 1)];
    const body = [0x00, ...code, 0x0b];
    return [...leb(body.length), ...body];
  });
  const exports = defs
    .map(([name], i) => [name, i])
    .filter(([name]) => marker || name !== 'proxy_abi_version_0_2_1')
    .map(([name, i]) => [...str(name), 0x00, ...leb(nImports + i)]);
  exports.push([...str('memory'), 0x02, 0x00]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types.map(functype))),
    ...section(2, vec(importEntries)),
    ...section(3, vec(funcs)),
    ...section(5, vec([[0x00, 0x01]])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ];
  return Uint8Array.from(bytes);
}
