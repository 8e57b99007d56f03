package collector

// Families written whole: a table's families over many objects (hosts),
// each written family by family straight into its body when the objects
// come in the family's order, so that a large family is never held as
// plain text.

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// rowFamily is a family over rows 0 to n-1: gen emits the samples of one.
type rowFamily struct {
	desc *Desc
	gen  func(row int32, emit Emit)
}

// parallelRows: with fewer rows, a table is written on one goroutine.
const parallelRows = 128

// rows writes every family over n rows. The rows are tried in the order
// listed, then in the order the last sorted family needed: most families
// of a table share it. The families after the first are written on every
// core.
func (o *textOut) rows(n int, fams []rowFamily) {
	if len(fams) == 0 {
		return
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	order = o.family(order, fams[0])
	workers := min(runtime.GOMAXPROCS(0), len(fams)-1)
	if n < parallelRows || workers < 2 {
		for _, f := range fams[1:] {
			order = o.family(order, f)
		}
		return
	}
	// Each family into its own output, merged in table order: the same
	// errors in the same order as on one goroutine. The families with the
	// most samples a row go first, so that no core is left with a large
	// one at the end (a state set of ten is 40 % of the hosts' text).
	outs := make([]*textOut, len(fams))
	queue := make([]int, 0, len(fams)-1)
	weight := make([]int, len(fams))
	for i := 1; i < len(fams); i++ {
		queue = append(queue, i)
		fams[i].gen(order[0], func(float64, ...string) { weight[i]++ })
	}
	slices.SortStableFunc(queue, func(a, b int) int { return weight[b] - weight[a] })
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			order := order
			for k := int(next.Add(1)) - 1; k < len(queue); k = int(next.Add(1)) - 1 {
				i := queue[k]
				outs[i] = &textOut{format: o.format, consts: o.consts, layouts: map[*Desc]*layout{}}
				order = outs[i].family(order, fams[i])
			}
		})
	}
	wg.Wait()
	for _, out := range outs[1:] {
		o.done = append(o.done, out.done...)
		o.errs = append(o.errs, out.errs...)
	}
}

// family writes f whole, in order if its samples come in the output's
// order, else sorted; it returns the order to try next.
func (o *textOut) family(order []int32, f rowFamily) []int32 {
	if o.ordered(f.desc, order, f.gen) {
		return order
	}
	return o.sorted(f.desc, len(order), f.gen)
}

// ordered writes family d whole, gen emitting the samples of the rows in
// order, straight into its body: true if they came in client_golang's
// order, else nothing is written (nor any error kept).
func (o *textOut) ordered(d *Desc, order []int32, gen func(row int32, emit Emit)) bool {
	var b body
	errs, inOrder, started := len(o.errs), true, false
	emit := func(v float64, lv ...string) {
		if !inOrder {
			return
		}
		line, ok := o.render(d, v, lv)
		if !ok {
			return
		}
		if started {
			switch c := compareLines(o.prev, line, len(d.Name)); {
			case c == 0:
				o.errs = append(o.errs, duplicate(d, line))
				return
			case c > 0:
				inOrder = false
				return
			}
		}
		b.add(line)
		o.line, o.prev, started = o.prev, line, true
	}
	for _, row := range order {
		gen(row, emit)
		if !inOrder {
			b.discard()
			o.errs = o.errs[:errs]
			return false
		}
	}
	if started {
		o.done = append(o.done, b.family(d, o.format))
	}
	return true
}

// sorted writes family d whole, sorting the samples gen emits for rows 0
// to n-1, and returns the rows in the order of their first sample (those
// without one last): the order to try for the next family.
func (o *textOut) sorted(d *Desc, n int, gen func(row int32, emit Emit)) []int32 {
	f := newFamBuf(d)
	var row int32
	emit := func(v float64, lv ...string) {
		if line, ok := o.render(d, v, lv); ok {
			f.add(line, row)
		}
	}
	for row = 0; int(row) < n; row++ {
		gen(row, emit)
	}
	refs := o.sortedLines(f)
	order, seen := make([]int32, 0, n), make([]bool, n)
	for _, r := range refs {
		if !seen[r.row] {
			seen[r.row] = true
			order = append(order, r.row)
		}
	}
	for r := range int32(n) {
		if !seen[r] {
			order = append(order, r)
		}
	}
	if len(refs) > 0 {
		o.done = append(o.done, f.write(refs, o.format))
	}
	return order
}
