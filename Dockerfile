# mockdesk as a service container.
#
#   make image          # this machine: the release binary into a FROM scratch image, no registry
#   docker build -t mockdesk .   # anywhere with a registry: builds from source (last stage)
#
# With podman or buildah add `--format docker`, or the HEALTHCHECK is dropped (OCI images have
# no health checks). Every flag is also an environment variable (MOCKDESK_*), e.g.
# `-e MOCKDESK_RATE_LIMITS=off`; `-e MOCKDESK_TLS_LISTEN=0.0.0.0:443` adds HTTPS, its CA kept in
# /var/lib/mockdesk/tls (mount a volume there to share it with the app).
#
# The image holds the binary, the C library it links and an empty, writable
# /var/lib/mockdesk — no shell, no package manager — and runs as user 65532.

# ---- what every variant of the image is --------------------------------------------------------
FROM scratch AS base
ENV MOCKDESK_LISTEN=0.0.0.0:4010 \
    MOCKDESK_LOG_FORMAT=json \
    MOCKDESK_TLS_DIR=/var/lib/mockdesk/tls
EXPOSE 4010
USER 65532:65532
WORKDIR /var/lib/mockdesk
# `mockdesk health` asks the running server itself (MOCKDESK_LISTEN's port): no curl needed.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/usr/local/bin/mockdesk", "health"]
ENTRYPOINT ["/usr/local/bin/mockdesk"]

# ---- prebuilt: the root filesystem `scripts/image.sh` lays out from target/release ------------
# (build context: that folder; `make image` builds this stage with --target prebuilt)
FROM base AS prebuilt
COPY --chown=0:0 rootfs/ /
COPY --chown=65532:65532 data/ /var/lib/mockdesk/

# ---- from source (needs the Rust image from a registry) ---------------------------------------
FROM rust:1-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: a change to mockdesk's code does not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY mock-server/Cargo.toml mock-server/Cargo.toml
COPY contract-tests/Cargo.toml contract-tests/Cargo.toml
RUN mkdir -p mock-server/src mock-server/examples contract-tests/src \
 && echo 'fn main() {}' > mock-server/src/main.rs \
 && echo 'fn main() {}' > mock-server/examples/bare.rs \
 && touch mock-server/src/lib.rs contract-tests/src/lib.rs \
 && cargo build --release --locked -p mock-server --bin mockdesk \
 && rm -rf mock-server/src contract-tests/src
COPY . .
RUN touch mock-server/src/main.rs mock-server/src/lib.rs \
 && cargo build --release --locked -p mock-server --bin mockdesk \
 && strip target/release/mockdesk \
 && mkdir -p /rootfs/usr/local/bin /data \
 && cp target/release/mockdesk /rootfs/usr/local/bin/ \
 && for lib in $(ldd target/release/mockdesk | grep -o '/[^ ]*'); do \
      mkdir -p "/rootfs$(dirname "$lib")" && cp -L "$lib" "/rootfs$lib"; \
    done

FROM base AS from-source
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /data/ /var/lib/mockdesk/
