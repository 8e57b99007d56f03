// Command gen writes the dashboards of package dashboards as JSON files
// (`go generate ./dashboards`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vcf-exporter/vcf_exporter/dashboards"
)

func main() {
	out := flag.String("out", "dashboards", "directory to write the JSON files to")
	flag.Parse()
	for _, d := range dashboards.All {
		b, err := dashboards.JSON(d)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, d.File), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
