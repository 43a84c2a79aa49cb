package remote

import (
	"context"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/protocol"
)

// RecordRelays keeps every call a phone has another phone make through
// this desktop in hist, with the phone that asked for it. The row follows
// the called phone's states to the call's outcome and talk time through
// history.Recorder, as a call placed from this desktop does. warn is told
// of a write that failed (nil: dropped); the service goes on. A nil hist
// records nothing. The service writes nothing more once Run has returned,
// so hist may be closed then.
func RecordRelays(hist *history.Store, warn func(error)) ServiceOption {
	return func(s *Service) {
		if hist != nil {
			s.relayHist = &relayHistory{hist: hist, warn: warn}
		}
	}
}

// relayHistory is where a service records relayed calls.
type relayHistory struct {
	hist *history.Store
	warn func(error)
	// mu is held for reading by every write and taken by stop, so that
	// stop waits for writes under way and none starts after it.
	mu      sync.RWMutex
	stopped bool
}

// write runs fn against the store unless the service has stopped.
func (h *relayHistory) write(fn func(ctx context.Context) error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.stopped {
		return
	}
	// Not the service's context: a state that arrived as it stops is
	// still written before the store is closed.
	if err := fn(context.Background()); err != nil && h.warn != nil {
		h.warn(err)
	}
}

// stop ends the writes; nil-safe.
func (h *relayHistory) stop() {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
}

// newRecord follows one relayed dial (nil when nothing is recorded).
func (h *relayHistory) newRecord(at time.Time) *relayRecord {
	if h == nil {
		return nil
	}
	return &relayRecord{h: h, at: at, seq: -1}
}

// relayRecord is one relayed call's history row. The called phone's states
// come on the status subscription and may be handled before the reply, on
// the relaying goroutine, has made the row: the latest such state is held
// and written right after the row. Every write happens under mu, and only
// a state later (by the phone's sequence number) than the last one taken
// is written, never anything after a final state: an update that comes
// late never overwrites the outcome.
type relayRecord struct {
	h  *relayHistory
	at time.Time // when the dial was asked for

	mu    sync.Mutex
	begun bool             // the reply came (rec is the row, or records nothing)
	rec   history.Recorder // zero until begun, and for a call not kept
	seq   int              // the latest state taken; -1: none yet
	held  *protocol.Status // the latest state that came before the reply
	done  bool             // a final state was taken: nothing follows
}

// begin makes the row once the called phone answered (or did not): its
// outcome from the reply, then any state that came first.
func (r *relayRecord) begin(ev RelayEvent) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begun = true
	r.h.write(func(ctx context.Context) error {
		rec, err := r.h.hist.Begin(ctx, history.Call{At: r.at, Number: ev.Number(), PhoneID: ev.Phone.ID.String(), PhoneName: ev.Phone.Name,
			AskedByID: ev.From.ID.String(), AskedByName: ev.From.Name})
		if err != nil {
			return err
		}
		r.rec = rec
		return rec.Reached(ctx, ev.state(), 0)
	})
	held := r.held
	r.held = nil
	if held != nil && ev.Reply.Accepted {
		r.reach(*held)
	}
}

// state takes a state the called phone reported.
func (r *relayRecord) state(st protocol.Status) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || st.Seq <= r.seq {
		return // a duplicate, or one that was overtaken: what it says is known
	}
	r.seq = st.Seq
	r.done = st.Final()
	if !r.begun {
		r.held = &st
		return
	}
	r.reach(st)
}

// reach writes st; the caller holds r.mu.
func (r *relayRecord) reach(st protocol.Status) {
	r.h.write(func(ctx context.Context) error {
		return r.rec.Reached(ctx, st.State, time.Duration(st.DurationMS)*time.Millisecond)
	})
}

// state is how far the relayed dial got by its reply, in the words of
// call.OutcomeOf.
func (ev RelayEvent) state() call.State {
	switch {
	case ev.Reply.Accepted:
		return call.Sent
	case ev.Reply.Code == protocol.CodeOffline || ev.Reply.Code == protocol.CodeNoAnswer:
		return call.Offline
	}
	return call.Refused
}
