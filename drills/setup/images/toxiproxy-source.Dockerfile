# Toxiproxy for machines that can pull a golang image but have no Go on the host.
FROM golang:1.22-bookworm AS build
ARG TOXIPROXY_VERSION=2.5.0
ENV CGO_ENABLED=0 GOBIN=/out
RUN for cmd in server cli; do \
      go install -ldflags="-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}" \
        "github.com/Shopify/toxiproxy/v2/cmd/${cmd}@v${TOXIPROXY_VERSION}" || exit 1; \
    done

FROM debian:bookworm-slim
ARG TOXIPROXY_VERSION=2.5.0
COPY --from=build /out/server /toxiproxy
COPY --from=build /out/cli /toxiproxy-cli
LABEL org.drills.built-locally="true" \
      org.opencontainers.image.title="toxiproxy" \
      org.opencontainers.image.version="${TOXIPROXY_VERSION}"
EXPOSE 8474
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0"]
