# The README's two commands are `make demo` and `make test`. Every target installs what it needs
# idempotently (rustup targets, wasm-bindgen-cli, npm packages, chromium) so a fresh machine works.
SHELL := /bin/bash
.PHONY: demo test test-rust test-nostd test-js test-envoy test-www bench serve fuzz audit

# Runs the main job on the bundled sample and prints the explained decision.
demo:
	bash scripts/demo.sh

# Runs every test.
test: test-rust test-nostd test-js test-envoy test-www

test-rust:
	bash scripts/test-rust.sh

test-nostd:
	bash scripts/test-nostd.sh

test-js:
	bash scripts/test-js.sh

test-envoy:
	bash scripts/test-envoy.sh

test-www:
	bash scripts/test-www.sh

bench:
	bash scripts/bench.sh

# Serves the browser inspector on 127.0.0.1 with the bundled sample preloaded (third command).
serve:
	bash scripts/serve-www.sh

# Runs every cargo-fuzz target for FUZZ_SECONDS (default 300) each; nightly. Not part of `test`.
fuzz:
	bash scripts/fuzz.sh

# cargo-deny: licences, bans, sources (advisories when a local RustSec database exists).
audit:
	bash scripts/audit.sh
