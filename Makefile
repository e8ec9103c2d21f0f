# mockdesk — thin verbs over cargo. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
# `make run LISTEN=:4020`; without it MOCKDESK_LISTEN (or 127.0.0.1:4010) applies, as for the binary.
LISTEN ?=
# More flags for `make run`: make run ARGS="--tls-listen :4443 --rate-limits off".
ARGS ?=
SURFACE ?=
BASE_URL ?=
# The name of the environment variable that holds the key (the key itself stays out of argv).
TOKEN ?= MOCKDESK_VERIFY_TOKEN
VERIFY_FLAGS ?=

.PHONY: help run test test-rust prereqs lint links fmt contract verify bench tools build samples sdk docker image image-test schemathesis screenshot

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

tools: ## make sure rustfmt and clippy are installed
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

build: ## build the emulator binary (debug)
	$(CARGO) build -p mock-server --bin mockdesk

run: ## build and start the emulator (LISTEN=…, ARGS="…", MOCKDESK_* variables)
	@python3 scripts/check_port.py "$(LISTEN)"
	$(CARGO) run -p mock-server --bin mockdesk -- $(if $(LISTEN),--listen $(LISTEN)) $(ARGS)

prereqs: ## check what make test needs (MOCKDESK_INSTALL_MISSING=1 installs missing OS packages)
	@bash scripts/prereqs.sh test

test: prereqs build ## the whole test suite (unit, integration, contract tests, tutorial samples, Hipcall's own SDK, the Python and Node kits, browser, a fresh clone)
	python3 scripts/tutorial_samples.py
	python3 scripts/sdk_hipcall.py
	bash scripts/kit_python.sh
	bash scripts/kit_node.sh
	python3 scripts/kit_docs.py
	python3 scripts/check_ci_examples.py
	python3 scripts/dashboard_browser.py
	@set -o pipefail; $(CARGO) test --workspace --lib --bins --tests 2>&1 | tee target/test-output.log
	@set -o pipefail; $(CARGO) test --workspace --doc 2>&1 | tee -a target/test-output.log
	@# The embeddable build (default-features = false) runs the embedding tests too.
	@set -o pipefail; $(CARGO) test -p mock-server --no-default-features --test embedded --test kit_example 2>&1 | tee -a target/test-output.log
	@awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($$i ~ /^passed;?$$/) p += $$(i-1); if ($$i ~ /^failed;?$$/) f += $$(i-1) } } END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log
	bash scripts/fresh_clone.sh

test-rust: ## only the Rust tests (needs cargo alone)
	$(CARGO) test --workspace

lint: tools links ## formatting, clippy and rustdoc with warnings as errors, the docs' links, no import circles
	python3 scripts/check_imports.py
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p mock-server --no-default-features --lib -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --workspace -q

links: ## every relative link in README.md and docs/ resolves, every #anchor exists
	python3 scripts/check_links.py

fmt: ## format the code
	$(CARGO) fmt --all

contract: build ## only the contract suite (set CONTRACT_<SURFACE>_BASE_URL/_TOKEN to target a real API)
	$(CARGO) test -p contract-tests

samples: build ## run the Hiver tutorial's code samples (Python and Node) against the emulator
	python3 scripts/tutorial_samples.py

sdk: build ## drive the Hipcall v3 surface with the official hipcall-sdk (needs Python >= 3.12; MOCKDESK_SKIP_SDK=1 to skip)
	python3 scripts/sdk_hipcall.py

schemathesis: build ## Schemathesis (all checks, stateful phase) against served OpenAPI documents; ST_SURFACES="chative …", ST_EXAMPLES=20
	scripts/schemathesis.sh

verify: build ## check a server against a surface's schema: make verify SURFACE=helpcrunch BASE_URL=https://api.helpcrunch.com/v1 (the key in env MOCKDESK_VERIFY_TOKEN)
	./target/debug/mockdesk verify --surface "$(SURFACE)" --base-url "$(BASE_URL)" --token "$(TOKEN)" $(VERIFY_FLAGS)

bench: ## release build + load test on loopback; prints req/s, p50/p99, start-up time, RSS
	bash scripts/bench.sh

screenshot: build ## docs/dashboard.png: the dashboard in headless Chromium, after a few calls
	python3 scripts/dashboard_browser.py --screenshot docs/dashboard.png

docker: ## build the image from source with Docker (needs a registry for the Rust base image)
	docker build -t mockdesk .

image: ## the service-container image localhost/mockdesk:dev from the release binary (podman or docker)
	@bash scripts/prereqs.sh image
	bash scripts/image.sh build

image-test: image ## check the image's config, run it as its own user, health check and vendor calls through it
	bash scripts/image.sh test
