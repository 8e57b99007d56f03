package actions

import (
	"context"
	"fmt"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// doDownload downloads every bundle of the target release that is not yet.
func (r *run) doDownload(ctx context.Context) (State, error) {
	for i := range r.w.Bundles {
		if err := r.download(ctx, &r.w.Bundles[i]); err != nil {
			return "", err
		}
	}
	r.logf(levelInfo, "All bundles downloaded; running pre-checks.")
	return "", nil
}

func (r *run) download(ctx context.Context, b *BundleState) error {
	if b.Downloaded {
		return nil
	}
	bundle, err := call(ctx, r, "reading bundle "+b.ID, func(ctx context.Context, c Client) (*vcfclient.Bundle, error) {
		return c.Bundle(ctx, b.ID)
	})
	if err != nil {
		return err
	}
	b.Type, b.SizeBytes = bundle.Type, bundle.SizeBytes
	if len(bundle.Components) > 0 {
		b.Kind = bundle.Components[0].Type
	}
	switch bundle.DownloadStatus {
	case "SUCCESSFUL":
		b.Downloaded = true
		r.logf(levelInfo, "Bundle %s already downloaded.", b.ID)
		return r.save()
	case "IN_PROGRESS", "SCHEDULED":
		// Someone (maybe we, before a restart) started it: wait for it.
	default:
		if bundle.DownloadStatus == "FAILED" && b.Requested {
			return fmt.Errorf("download of bundle %s failed", b.ID)
		}
		if err := r.safePoint(); err != nil {
			return err
		}
		b.Requested = true
		if err := r.save(); err != nil {
			return err
		}
		task, err := call(ctx, r, "requesting the download of bundle "+b.ID, func(ctx context.Context, c Client) (*vcfclient.Task, error) {
			t, err := c.DownloadBundle(ctx, b.ID)
			if vcfclient.IsConflict(err) {
				return nil, nil // already downloading
			}
			return t, err
		})
		if err != nil {
			return err
		}
		if task != nil {
			b.DownloadTaskID = task.ID
		}
		r.logf(levelInfo, "Downloading bundle %s (%s, %s).", b.ID, b.Kind, humanBytes(b.SizeBytes))
		if err := r.save(); err != nil {
			return err
		}
	}
	err = r.poll(ctx, "downloading bundle "+b.ID, true, func(ctx context.Context, c Client) (bool, error) {
		bd, err := c.Bundle(ctx, b.ID)
		if err != nil {
			return false, err
		}
		switch bd.DownloadStatus {
		case "SUCCESSFUL":
			return true, nil
		case "FAILED", "RECALLED":
			return false, fmt.Errorf("download of bundle %s ended %s", b.ID, bd.DownloadStatus)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	b.Downloaded = true
	r.logf(levelInfo, "Bundle %s downloaded.", b.ID)
	return r.save()
}
