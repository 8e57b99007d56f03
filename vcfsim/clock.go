package vcfsim

import "time"

// clock maps real time to simulated time: simulated time starts at the real
// start instant and runs TimeScale times faster. State is derived from it
// lazily when read, so no goroutine ticks in the background.
type clock struct {
	now   func() time.Time
	start time.Time
	scale float64
}

func newClock(now func() time.Time, scale float64) clock {
	if now == nil {
		now = time.Now
	}
	return clock{now: now, start: now(), scale: scale}
}

// sim returns the current simulated time.
func (c clock) sim() time.Time {
	return c.start.Add(time.Duration(float64(c.now().Sub(c.start)) * c.scale))
}

// stamp formats a simulated instant the way SDDC Manager does.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
