package actions

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoadWorkflowFile: whatever a workflow file holds, the loader returns
// it as a workflow or as unreadable (never both, never a panic), leaves it
// untouched, and a loaded workflow survives a save and a load unchanged.
func FuzzLoadWorkflowFile(f *testing.F) {
	st, err := NewStore(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(st.Dir(), "workflow_sim_d1.json")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		wfs, bad, err := st.Load()
		require.NoError(t, err)
		if len(wfs)+len(bad) != 1 {
			t.Fatalf("%d workflows and %d unreadable files from one file", len(wfs), len(bad))
		}
		if after, _ := os.ReadFile(path); string(after) != string(content) {
			t.Fatal("loading changed the file")
		}
		if len(bad) == 1 {
			if bad[0].File != "workflow_sim_d1.json" || bad[0].Error() == "" {
				t.Fatalf("unreadable %+v", bad[0])
			}
			return
		}
		// What Save writes reads back unchanged.
		w := wfs[0]
		before, err := encodeWorkflow(w)
		if err != nil {
			t.Fatalf("encoding a loaded workflow: %v", err)
		}
		again, err := parseWorkflow(before)
		if err != nil {
			t.Fatalf("reading a saved workflow: %v", err)
		}
		if after, _ := encodeWorkflow(again); string(after) != string(before) {
			t.Fatalf("round trip changed the workflow:\n%s\n%s", before, after)
		}
	})
}
