# vcf_exporter container image (used by examples/docker-compose.yml).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /vcf_exporter .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /vcf_exporter /vcf_exporter
EXPOSE 10095
# --storage.path for the /actions workflows must be writable.
WORKDIR /home/nonroot
ENTRYPOINT ["/vcf_exporter"]
