package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// PhoneService is the NATS micro service name phones register under.
const PhoneService = "deskdial-phone"

// DiscoverWindow is how long Discover collects answers: the first arrives
// in well under a millisecond on a LAN, but every phone must get a chance.
const DiscoverWindow = 250 * time.Millisecond

// Service describes a service registration.
type Service struct {
	Name     string            // PhoneService
	Version  string            // SemVer, required by the micro protocol
	Subject  string            // the endpoint's subject (deskdial.dial.<phoneID>)
	Metadata map[string]string // presence: id, name, backend, capabilities
	Handler  func(Msg)         // called for each request, one at a time
}

// AddService registers a micro service with one endpoint until ctx ends.
// Discovery requests ($SRV.PING/INFO/STATS) are answered by nats.go.
func (c *Conn) AddService(ctx context.Context, svc Service) (*Subscription, error) {
	h := svc.Handler
	s, err := micro.AddService(c.nc, micro.Config{
		Name:     svc.Name,
		Version:  svc.Version,
		Metadata: svc.Metadata,
		Endpoint: &micro.EndpointConfig{
			Subject:            svc.Subject,
			QueueGroupDisabled: true,
			Handler: micro.HandlerFunc(func(r micro.Request) {
				h(Msg{Subject: r.Subject(), Data: r.Data(), respond: func(b []byte) error { return r.Respond(b) }})
			}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("bus: add service %s: %w", svc.Name, err)
	}
	sub := &Subscription{stop: s.Stop}
	stopAfter(ctx, sub)
	return sub, nil
}

// Instance is one answer to a discovery request.
type Instance struct {
	ID       string            // micro instance id
	Name     string            // service name
	Version  string            // service version
	Metadata map[string]string // presence
}

// Discover asks every instance of the named service to identify itself and
// collects the answers for window.
func (c *Conn) Discover(ctx context.Context, name string, window time.Duration) ([]Instance, error) {
	inbox := c.nc.NewRespInbox()
	ch := make(chan *nats.Msg, 256)
	sub, err := c.nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return nil, fmt.Errorf("bus: discover %s: %w", name, err)
	}
	defer sub.Unsubscribe()
	subj, err := micro.ControlSubject(micro.InfoVerb, name, "")
	if err != nil {
		return nil, fmt.Errorf("bus: discover %s: %w", name, err)
	}
	if err := c.nc.PublishRequest(subj, inbox, nil); err != nil {
		return nil, fmt.Errorf("bus: discover %s: %w", name, mapErr(err))
	}
	t := time.NewTimer(window)
	defer t.Stop()
	var out []Instance
	for {
		select {
		case m := <-ch:
			var info micro.Info
			if json.Unmarshal(m.Data, &info) != nil || info.Name != name {
				continue // not a well-formed answer; ignore rather than fail the listing
			}
			out = append(out, Instance{ID: info.ID, Name: info.Name, Version: info.Version, Metadata: info.Metadata})
		case <-t.C:
			return out, nil
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return out, nil
			}
			return out, ctx.Err()
		}
	}
}
