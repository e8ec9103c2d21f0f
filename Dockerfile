# mockdesk as a service container: `make docker`, then
#   docker run --rm -p 4010:4010 mockdesk
# Every flag is also an environment variable (MOCKDESK_*), e.g. -e MOCKDESK_RATE_LIMITS=off.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p mock-server --bin mockdesk

FROM debian:bookworm-slim
COPY --from=build /src/target/release/mockdesk /usr/local/bin/mockdesk
ENV MOCKDESK_LISTEN=0.0.0.0:4010
EXPOSE 4010
ENTRYPOINT ["mockdesk"]
