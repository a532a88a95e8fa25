# dozen's container image, for CI systems without Go and for Argo CD's repo
# server (deploy/argocd/). Multi-stage: a static binary built with the Go
# toolchain, on a small Alpine base, run as a non-root user.
#
#   docker build -t dozen .
#   docker run --rm -v "$PWD:/src" -w /src dozen render --all-envs --check -o rendered/ services/
#
# The build needs the Go module proxy (or GOPROXY pointing at a mirror) and
# nothing else.

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no libc, so the binary runs on any base. The VCS revision comes
# from .git when it is in the build context (`dozen version` shows it).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dozen ./cmd/dozen \
	&& /out/dozen version

FROM alpine:3.22
# A fixed non-root uid and gid, so Kubernetes can check runAsNonRoot.
RUN addgroup -S -g 10001 dozen \
	&& adduser -S -D -H -u 10001 -G dozen -h /src dozen
COPY --from=build /out/dozen /usr/local/bin/dozen
# The Argo CD plugin definition, where argocd-cmp-server looks for it when
# this image runs as a sidecar of the repo server.
COPY deploy/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
USER 10001:10001
# The render cache goes to /tmp, not into the mounted repository (HOME).
ENV DOZEN_CACHE=/tmp/dozen-cache
WORKDIR /src
ENTRYPOINT ["dozen"]
CMD ["--help"]
