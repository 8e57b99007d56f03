package targets

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// Registry holds the current targets by name. Apply rebuilds it from a new
// configuration, keeping the Target (client, token, caches) of every target
// whose configuration did not change.
type Registry struct {
	opts Options

	mu      sync.RWMutex
	targets map[string]*Target
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	opts.setDefaults()
	return &Registry{opts: opts, targets: map[string]*Target{}}
}

// Options returns the options (defaults applied).
func (r *Registry) Options() Options { return r.opts }

// Apply replaces the targets with cfgs. Either every target is built and
// the set is swapped, or an error is returned and nothing changes.
func (r *Registry) Apply(cfgs []config.TargetConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()

	next := make(map[string]*Target, len(cfgs))
	var created []*Target
	var errs []error
	for _, c := range cfgs {
		if _, dup := next[c.Name]; dup {
			errs = append(errs, fmt.Errorf("duplicate target name %q", c.Name))
			continue
		}
		pw, err := c.ResolvePassword()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if old, ok := r.targets[c.Name]; ok && old.password == string(pw) && reflect.DeepEqual(old.cfg, c) {
			next[c.Name] = old
			continue
		}
		t, err := newTarget(c, pw, r.opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		created = append(created, t)
		next[c.Name] = t
	}
	if err := errors.Join(errs...); err != nil {
		for _, t := range created {
			t.Close()
		}
		return err
	}
	for name, old := range r.targets {
		if next[name] != old {
			old.Close()
		}
	}
	r.targets = next
	return nil
}

// Get returns a target by name.
func (r *Registry) Get(name string) (*Target, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.targets[name]
	return t, ok
}

// Names returns the sorted target names.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.targets))
	for n := range r.targets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Targets returns the targets sorted by name.
func (r *Registry) Targets() []*Target {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Target, 0, len(r.targets))
	for _, t := range r.targets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Target) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Len is the number of targets.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.targets)
}

// Close stops every target's background work.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.targets {
		t.Close()
	}
	r.targets = map[string]*Target{}
}
