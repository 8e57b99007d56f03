# vcf_exporter container image: a static binary on distroless, as non-root.
#
#   docker build -t vcf_exporter --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) .
#   docker run -p 10095:10095 -v vcf-data:/var/lib/vcf_exporter vcf_exporter --simulator
#
# packaging_test.go runs the build line below (same command, same flags) and
# the smoke check, since no container engine runs in CI.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG REVISION=unknown
ARG BRANCH=unknown
# The Makefile's build target, the one `make release` uses: static
# (CGO_ENABLED=0, so it runs on distroless/static), the version from the
# VERSION file; .git is not in the build context, hence REVISION and BRANCH.
RUN make build BIN=/out/vcf_exporter REVISION=${REVISION} BRANCH=${BRANCH}
# Smoke check of the build stage.
RUN /out/vcf_exporter --version
# --storage.path, owned by distroless' nonroot user (65532).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vcf_exporter /bin/vcf_exporter
COPY --from=build --chown=65532:65532 /out/data /var/lib/vcf_exporter
USER 65532:65532
EXPOSE 10095
# Workflow state of the /actions API; must survive restarts.
VOLUME ["/var/lib/vcf_exporter"]
ENTRYPOINT ["/bin/vcf_exporter", "--web.listen-address=:10095", "--storage.path=/var/lib/vcf_exporter"]
# Mount the configuration (and its password files) at /etc/vcf_exporter.
CMD ["--config.file=/etc/vcf_exporter/vcf.yml"]
