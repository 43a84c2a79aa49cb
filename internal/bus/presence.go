package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// PhoneService is the NATS micro service name phones registered under
// before they answered presence pings on their dial subject; desktops
// still ask it (Survey) for those phones.
const PhoneService = "deskdial-phone"

// DiscoverWindow is how long Survey waits at most for answers: the first
// arrives in well under a millisecond on a LAN, but every phone must get
// a chance, and a phone that vanished without closing its connection
// never answers.
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
// Discovery requests ($SRV.PING/INFO/STATS) are answered by nats.go. Each
// registration costs the server ten subscriptions; deskdial's own phones
// no longer register (see Survey), so this stands in for older ones.
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

// Answer is one subject's answer to Survey.
type Answer struct {
	Data    []byte // the responder's answer; nil if none arrived
	Offline bool   // nobody listens on the subject (the server said so)
}

// MaxSurveyAnswer bounds one answer to Survey; a presence is a few hundred
// bytes.
const MaxSurveyAnswer = 4096

// Survey sends an empty request to every subject at once, from one reply
// subscription, and collects the answers until each subject has answered or
// was found offline, or window ends, whichever is first: on a LAN that is
// about a millisecond instead of the whole window. A subject that stays
// silent (a ghost subscription of a device that vanished, or a responder
// that does not answer empty requests) costs the window.
//
// With legacy set, Survey also asks that micro service's instances to
// identify themselves ($SRV.INFO, for devices that predate answering on
// their own subject) and returns what arrives within the window too; those
// answers alone do not end the survey, because anyone allowed to answer
// discovery may send one: once every subject is settled, Survey goes on
// until legacyDone, if given, accepts what arrived (the caller checks the
// instances it expects are there and signed), or the window ends.
func (c *Conn) Survey(ctx context.Context, subjects []string, legacy string, legacyDone func([]Instance) bool, window time.Duration) ([]Answer, []Instance, error) {
	prefix := c.nc.NewInbox()
	ch := make(chan *nats.Msg, len(subjects)+64)
	sub, err := c.nc.ChanSubscribe(prefix+".*", ch)
	if err != nil {
		return nil, nil, fmt.Errorf("bus: survey: %w", err)
	}
	defer sub.Unsubscribe()
	legacyReply := prefix + ".srv"
	if legacy != "" {
		subj, err := micro.ControlSubject(micro.InfoVerb, legacy, "")
		if err != nil {
			return nil, nil, fmt.Errorf("bus: survey: %w", err)
		}
		if err := c.nc.PublishRequest(subj, legacyReply, nil); err != nil {
			return nil, nil, fmt.Errorf("bus: survey: %w", mapErr(err))
		}
	}
	for i, s := range subjects {
		if err := c.nc.PublishRequest(s, prefix+"."+strconv.Itoa(i), nil); err != nil {
			return nil, nil, fmt.Errorf("bus: survey %s: %w", s, mapErr(err))
		}
	}
	answers := make([]Answer, len(subjects))
	pending := len(subjects)
	var out []Instance
	t := time.NewTimer(window)
	defer t.Stop()
	for pending > 0 || (legacy != "" && legacyDone != nil && !legacyDone(out)) {
		select {
		case m := <-ch:
			if m.Subject == legacyReply {
				var info micro.Info
				if len(m.Data) > MaxSurveyAnswer || json.Unmarshal(m.Data, &info) != nil || info.Name != legacy {
					continue // not a well-formed answer; ignore rather than fail the listing
				}
				out = append(out, Instance{ID: info.ID, Name: info.Name, Version: info.Version, Metadata: info.Metadata})
				continue
			}
			i, err := strconv.Atoi(m.Subject[len(prefix)+1:])
			if err != nil || i < 0 || i >= len(subjects) || answers[i].Offline || answers[i].Data != nil {
				continue
			}
			switch {
			case len(m.Data) == 0 && m.Header.Get("Status") == "503":
				answers[i].Offline = true
			case len(m.Data) == 0 || len(m.Data) > MaxSurveyAnswer:
				continue // not an answer; the subject stays pending
			default:
				answers[i].Data = m.Data
			}
			pending--
		case <-t.C:
			return answers, out, nil
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return answers, out, nil
			}
			return answers, out, ctx.Err()
		}
	}
	return answers, out, nil
}
