module github.com/vcf-exporter/vcf_exporter/internal/decodebench

go 1.26.8

require (
	github.com/go-json-experiment/json v1.27.2
	github.com/goccy/go-json v0.12.0
	github.com/segmentio/encoding v0.5.4
	github.com/vcf-exporter/vcf_exporter v0.0.0
)

require (
	github.com/segmentio/asm v1.1.3 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/vcf-exporter/vcf_exporter => ../..
