# mockdesk as a service container: `make docker`, then
#   docker run --rm -p 4010:4010 mockdesk
# Every flag is also an environment variable (MOCKDESK_*), e.g. -e MOCKDESK_RATE_LIMITS=off.
# Two stages: the build toolchain stays behind; the image holds one static-ish binary on a
# distroless base (glibc, no shell, no package manager) and runs as a non-root user.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
# Symbols stripped for the image only (local release builds keep them for profiling).
RUN CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --locked -p mock-server --bin mockdesk

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/mockdesk /usr/local/bin/mockdesk
USER nonroot
ENV MOCKDESK_LISTEN=0.0.0.0:4010 \
    MOCKDESK_LOG_FORMAT=json
EXPOSE 4010
# `mockdesk health` asks the running server itself: no curl or shell needed.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/usr/local/bin/mockdesk", "health"]
ENTRYPOINT ["/usr/local/bin/mockdesk"]
