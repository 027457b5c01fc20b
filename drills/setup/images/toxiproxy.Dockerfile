# Toxiproxy server and CLI, built on the host from the Go module proxy (see drills/setup/images.py),
# laid out like the upstream image so the same docker-compose.yml works with either.
FROM debian:bookworm-slim
ARG TOXIPROXY_VERSION=2.5.0
COPY server /toxiproxy
COPY cli /toxiproxy-cli
LABEL org.drills.built-locally="true" \
      org.opencontainers.image.title="toxiproxy" \
      org.opencontainers.image.version="${TOXIPROXY_VERSION}"
EXPOSE 8474
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0"]
