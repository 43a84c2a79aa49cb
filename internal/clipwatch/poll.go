package clipwatch

import (
	"context"
	"sync"
	"time"
)

// poller is the fallback where the desktop gives no change events: it
// reads the clipboard every interval and reports when the text differs
// from what it saw last. A re-copy of identical text cannot be told apart
// this way and goes unreported.
type poller struct {
	name     string
	interval time.Duration
	sels     []Selection
	readFn   func(ctx context.Context, sel Selection) (string, bool, error)
	writeFn  func(ctx context.Context, text string) error

	mu   sync.Mutex
	last map[Selection]string // what was seen last; no entry until a read succeeded
}

func (p *poller) mechanism() string { return p.name }

func (p *poller) read(ctx context.Context, sel Selection) (string, bool, error) {
	return p.readFn(ctx, sel)
}

func (p *poller) write(ctx context.Context, text string) error {
	if err := p.writeFn(ctx, text); err != nil {
		return err
	}
	p.mu.Lock()
	p.last[Clipboard] = text // our own write is not a change
	p.mu.Unlock()
	return nil
}

func (p *poller) run(ctx context.Context, changed func(Selection, time.Time)) error {
	p.mu.Lock()
	if p.last == nil {
		p.last = map[Selection]string{}
	}
	p.mu.Unlock()
	// What is on the clipboard at start was copied before deskdial ran.
	// When that first read fails (the owner is slow to answer), the first
	// read that succeeds is taken as the starting point instead, so an old
	// copy is never reported as new.
	p.baseline(ctx)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		for _, sel := range p.sels {
			text, sensitive, err := p.readFn(ctx, sel)
			if err != nil {
				continue
			}
			key := text
			if sensitive {
				key = "\x00sensitive"
			}
			p.mu.Lock()
			prev, seen := p.last[sel]
			p.last[sel] = key
			p.mu.Unlock()
			if seen && prev != key && key != "" {
				changed(sel, time.Now())
			}
		}
	}
}

// baseline records what each selection holds now, without reporting it.
func (p *poller) baseline(ctx context.Context) {
	for _, sel := range p.sels {
		text, sensitive, err := p.readFn(ctx, sel)
		if err != nil {
			continue
		}
		key := text
		if sensitive {
			key = "\x00sensitive"
		}
		p.mu.Lock()
		if _, ok := p.last[sel]; !ok {
			p.last[sel] = key
		}
		p.mu.Unlock()
	}
}
