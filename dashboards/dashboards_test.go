package dashboards

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenerated: the committed JSON is what the generator writes.
func TestGenerated(t *testing.T) {
	for _, d := range All {
		want, err := JSON(d)
		require.NoError(t, err)
		got, err := os.ReadFile(d.File)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%s differs from the generator's output; run `go generate ./dashboards`", d.File)
	}
}

type panelJSON struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Datasource  *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Datasource *struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		Expr  string `json:"expr"`
		Query string `json:"query"`
	} `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type variableJSON struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Query      any    `json:"query"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
}

// TestProvisioningSafe: the rules of the README for every dashboard.
func TestProvisioningSafe(t *testing.T) {
	for _, d := range All {
		t.Run(d.File, func(t *testing.T) {
			raw, err := os.ReadFile(d.File)
			require.NoError(t, err)
			var top map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &top))
			require.NotContains(t, top, "__inputs", "provisioned dashboards cannot use __inputs")
			require.NotContains(t, string(raw), "${DS_", "data source placeholders of exported dashboards")
			var db struct {
				UID        string      `json:"uid"`
				Title      string      `json:"title"`
				Panels     []panelJSON `json:"panels"`
				Templating struct {
					List []variableJSON `json:"list"`
				} `json:"templating"`
			}
			require.NoError(t, json.Unmarshal(raw, &db))
			require.NotEmpty(t, db.UID)

			// datasource first, then target → domain → cluster → host, each
			// query using every variable before it.
			vars := db.Templating.List
			require.NotEmpty(t, vars)
			require.Equal(t, "datasource", vars[0].Name)
			require.Equal(t, "datasource", vars[0].Type)
			order := []string{"target", "domain", "cluster", "host"}
			require.GreaterOrEqual(t, len(vars), 3, "at least target and domain")
			for i, v := range vars[1:] {
				require.Equal(t, order[i], v.Name, "variable order")
				require.Equal(t, "query", v.Type)
				require.True(t, v.Multi && v.IncludeAll, "%s: multi-select with All", v.Name)
				require.Equal(t, "${datasource}", v.Datasource.UID, "%s: data source", v.Name)
				q, _ := v.Query.(string)
				for _, above := range order[:i] {
					require.True(t, strings.Contains(q, "$"+above) || strings.Contains(q, "${"+above+":regex}"),
						"%s is chained to %s: %s", v.Name, above, q)
				}
			}

			panels := 0
			for _, p := range db.Panels {
				if p.Type == "row" {
					continue
				}
				panels++
				require.NotEmpty(t, p.Title, "panel without title")
				require.NotEmpty(t, p.Description, "%q: no description", p.Title)
				require.NotEmpty(t, p.FieldConfig.Defaults.Unit, "%q: no unit", p.Title)
				require.NotEmpty(t, p.Targets, "%q: no query", p.Title)
				require.NotNil(t, p.Datasource, "%q: panel without data source", p.Title)
				require.Equal(t, "${datasource}", p.Datasource.UID, "%q", p.Title)
				require.Equal(t, vars[0].Query, p.Datasource.Type, "%q: the data source variable's type", p.Title)
				for _, tg := range p.Targets {
					require.NotNil(t, tg.Datasource, "%q: query without data source", p.Title)
					require.Equal(t, "${datasource}", tg.Datasource.UID, "%q", p.Title)
					require.NotEmpty(t, tg.Expr+tg.Query, "%q: empty query", p.Title)
					if strings.Contains(tg.Expr, "{") {
						require.Contains(t, tg.Expr, `target=~"$target"`, "%q: filtered by the target variable", p.Title)
					}
				}
			}
			require.Greater(t, panels, 3)
		})
	}
}
