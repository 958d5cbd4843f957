# Multi-stage build: a static-ish release binary in a small non-root runtime image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/sshfolio

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /srv/sshfolio sshfolio \
    && mkdir -p /srv/sshfolio/keys && chown sshfolio /srv/sshfolio/keys
COPY --from=build /src/target/release/sshfolio /usr/local/bin/sshfolio
COPY content /srv/sshfolio/content
USER sshfolio
WORKDIR /srv/sshfolio
ENV SSHFOLIO_LISTEN=0.0.0.0:2222 SSHFOLIO_CONTENT=/srv/sshfolio/content SSHFOLIO_KEYS=/srv/sshfolio/keys
EXPOSE 2222
HEALTHCHECK --interval=30s --timeout=5s CMD ["sshfolio", "check", "--content", "/srv/sshfolio/content"]
ENTRYPOINT ["sshfolio"]
CMD ["serve"]
