// Package relay sets up a hosted deskdial relay: a NATS server or cluster in
// operator/JWT mode where every user has an account of their own. It makes
// and keeps the operator, the accounts and their role signing keys, issues
// device credentials, revokes devices and pushes account changes to the
// running servers. A desktop that holds its account's phone and pairing
// signing keys uses Minter to issue a phone's credentials while pairing, so
// nobody hands out .creds files.
//
// The permissions of each role are templates in the account JWT, filled in
// by the server with the device ID the user JWT carries as its name: a phone
// receives only its own dial subject, a desktop reaches only its own
// account's phones, and an account is a subject space of its own.
package relay

import (
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/deskdial/deskdial/internal/relay/mint"
)

// Roles of device credentials (see mint).
const (
	RoleDesktop = mint.RoleDesktop
	RolePhone   = mint.RolePhone
	RolePair    = mint.RolePair
)

// Prefix is the subject prefix the relay's permissions are written for.
const Prefix = "deskdial"

// PhoneService is the NATS micro service phones registered as before they
// answered presence pings on their dial subject; desktops still ask it.
const PhoneService = "deskdial-phone"

// PairInboxPrefix is the reply inbox of pairing logins.
const PairInboxPrefix = "_INBOX_pair"

// KV bucket every account gets, and its limits: what one desktop login
// can write at most. A full bucket refuses new values (discard new)
// instead of dropping old ones; purges and rollups are refused, so no
// login can wipe the synced history with one message.
const (
	Bucket         = "calls"
	BucketHistory  = 5
	BucketMaxBytes = 8 << 20
	BucketMaxValue = 4 << 10
	BucketMaxMsgs  = 20000
)

// kvSubjects are exactly what a device needs to put, get and watch the
// bucket; without any one of them one of those fails.
func kvSubjects() []string {
	return []string{
		"$KV." + Bucket + ".>",
		"$JS.API.STREAM.INFO.KV_" + Bucket,
		"$JS.API.DIRECT.GET.KV_" + Bucket + ".>",
		"$JS.API.CONSUMER.CREATE.KV_" + Bucket + ".>",
	}
}

// responses lets a phone answer each request it receives once, within a
// minute, without being able to publish to anybody's inbox otherwise.
func responses() *jwt.ResponsePermission {
	return &jwt.ResponsePermission{MaxMsgs: 1, Expires: time.Minute}
}

// roleTemplate is the permission template of a role. {{name()}} is the
// device ID the user JWT carries as its name.
func roleTemplate(role string) jwt.UserPermissionLimits {
	const me = "{{name()}}"
	var t jwt.UserPermissionLimits
	t.NatsLimits = jwt.NatsLimits{Subs: jwt.NoLimit, Data: jwt.NoLimit, Payload: jwt.NoLimit}
	switch role {
	case RoleDesktop:
		// dial.* carries dial requests and presence pings (empty
		// requests); $SRV.INFO lists phones older than presence pings.
		t.Pub.Allow.Add(Prefix+".dial.*", Prefix+".relayed.*", Prefix+".ctl."+me+".>", "$SRV.INFO."+PhoneService)
		t.Pub.Allow.Add(kvSubjects()...)
		// Answers, to exactly the requests a desktop serves: joins from
		// pairing logins (their inbox) and its own control requests
		// (its own inbox); and the flow control of its bucket watch. No
		// allow_responses: with it, whoever sends a request chooses
		// where the desktop publishes.
		t.Pub.Allow.Add(PairInboxPrefix+".>", "_INBOX_"+me+".>", "$JS.FC.KV_"+Bucket+".>")
		t.Sub.Allow.Add(Prefix+".status."+me, Prefix+".pair."+me, Prefix+".relay."+me, Prefix+".ctl."+me+".>", "_INBOX_"+me+".>")
	case RolePhone:
		// Status to its desktops; pairing requests, so a phone that has
		// credentials can pair with another desktop of its user. No KV:
		// phones never use the bucket, and a stolen phone must not be
		// able to purge or fill the user's history. A phone asks
		// another phone to call only through a desktop (relay), which
		// checks and re-issues the request; never on a dial subject.
		t.Pub.Allow.Add(Prefix+".status.*", Prefix+".pair.*", Prefix+".relay.*")
		// Its dial subject answers dial requests and presence pings. No
		// discovery subjects: a micro service registration would cost
		// the relay nine more subscriptions per phone (accounts signed
		// before this allowed them; older phones keep working, see
		// docs/deploy.md).
		t.Sub.Allow.Add(Prefix+".dial."+me, Prefix+".relayed."+me, "_INBOX_"+me+".>")
		t.Resp = responses() // dial replies and presence answers
	case RolePair:
		// A pairing login travels in the offer (QR code), its key derived
		// from the offer's secret: it can send a sealed join request to
		// its desktop and read the sealed answer, nothing else, and it
		// expires with the offer.
		t.Pub.Allow.Add(Prefix + ".pair." + me)
		t.Sub.Allow.Add(PairInboxPrefix + ".>")
	}
	return t
}

// Limits are an account's limits. Zero fields take the defaults.
type Limits struct {
	Conns     int64 // connections at once; DefaultLimits: 20 (a few desktops and phones)
	Subs      int64 // subscriptions
	Payload   int64 // bytes per message
	JSDisk    int64 // JetStream file storage, bytes; replicas count (a bucket with 3 takes 3 times its size)
	JSStreams int64 // JetStream streams
}

// DefaultLimits suit one person's desktops and phones.
var DefaultLimits = Limits{Conns: 20, Subs: 500, Payload: 8 << 10, JSDisk: 32 << 20, JSStreams: 4}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Conns != 0 {
		d.Conns = l.Conns
	}
	if l.Subs != 0 {
		d.Subs = l.Subs
	}
	if l.Payload != 0 {
		d.Payload = l.Payload
	}
	if l.JSDisk != 0 {
		d.JSDisk = l.JSDisk
	}
	if l.JSStreams != 0 {
		d.JSStreams = l.JSStreams
	}
	return d
}
