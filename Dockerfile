# syntax=docker/dockerfile:1
# sshfolio in a container: build with the Rust toolchain, run from a small image with
# no shell, as an unprivileged user.
#   docker build -t sshfolio .
#   docker run -p 2222:2222 -v sshfolio-keys:/keys sshfolio

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The caches keep the registry and target dir between builds (BuildKit); the binary is
# copied out of the cached target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin sshfolio \
    && install -D -m 0755 target/release/sshfolio /out/sshfolio \
    && strip /out/sshfolio \
    && mkdir -p /out/keys /out/data

# distroless/cc: glibc and libgcc, nothing else (no shell, no package manager).
# The `nonroot` tag runs as uid/gid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/sshfolio /usr/local/bin/sshfolio
COPY --chown=0:0 content /srv/sshfolio/content
# The host key: generated here on first start unless a key is mounted (a volume on one
# host; a Docker secret shared by all replicas on a swarm, see deploy/).
COPY --from=build --chown=65532:65532 /out/keys /keys
# Visitor analytics (stats.sqlite and its secret): mount a volume here to keep them.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV SSHFOLIO_LISTEN=0.0.0.0:2222 \
    SSHFOLIO_CONTENT=/srv/sshfolio/content \
    SSHFOLIO_KEYS=/keys \
    SSHFOLIO_DATA=/data
EXPOSE 2222
# Healthy when the server answers with its SSH banner. Where the replicas trust a proxy
# network (SSHFOLIO_TRUSTED_PROXY), 127.0.0.1 is not in it, so no PROXY header is needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/sshfolio", "health", "--target", "127.0.0.1:2222"]
ENTRYPOINT ["/usr/local/bin/sshfolio"]
CMD ["serve"]
