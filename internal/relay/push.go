package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/bus"
)

// pushTimeout bounds one request to the servers.
const pushTimeout = 5 * time.Second

// connectCreds connects with credentials held in memory. nats.go reads a
// .creds file on every (re)connect, so the file lives in a private
// directory for as long as the connection does.
func connectCreds(ctx context.Context, urls []string, creds []byte, name, ca string) (*bus.Conn, func(), error) {
	dir, err := os.MkdirTemp("", "deskdial-relay-")
	if err != nil {
		return nil, nil, fmt.Errorf("relay: temp dir: %w", err)
	}
	path := filepath.Join(dir, "login.creds")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("relay: write login: %w", err)
	}
	opts := []bus.Option{bus.URLs(urls...), bus.Creds(path), bus.Name(name), bus.ConnectTimeout(pushTimeout)}
	if ca != "" {
		opts = append(opts, bus.RootCA(ca))
	}
	conn, err := bus.Connect(ctx, opts...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return conn, func() { conn.Close(); os.RemoveAll(dir) }, nil
}

// Push sends account JWTs to the running servers through the system
// account. The full resolver stores them and passes them to the other
// nodes; connections of revoked users are closed at once.
func (s *Store) Push(ctx context.Context, urls []string, accountJWTs ...string) error {
	if len(urls) == 0 {
		urls = s.d.Servers
	}
	creds, err := jwt.FormatUserConfig(s.d.SysUserJWT, []byte(s.d.SysUserSeed))
	if err != nil {
		return fmt.Errorf("relay: system creds: %w", err)
	}
	conn, done, err := connectCreds(ctx, urls, creds, "deskdial admin", s.ca)
	if err != nil {
		return fmt.Errorf("push to %v: %w", urls, err)
	}
	defer done()
	for _, tok := range accountJWTs {
		if err := pushOne(ctx, conn, tok); err != nil {
			return err
		}
	}
	return nil
}

func pushOne(ctx context.Context, conn *bus.Conn, tok string) error {
	b, err := conn.Request(ctx, "$SYS.REQ.CLAIMS.UPDATE", []byte(tok), pushTimeout)
	if err != nil {
		return fmt.Errorf("push account: %w", err)
	}
	var r struct {
		Data *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"data"`
		Error *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("push account: read answer: %w", err)
	}
	if r.Error != nil {
		return fmt.Errorf("%w: %s (%d)", ErrPushRefused, r.Error.Description, r.Error.Code)
	}
	return nil
}

// PushAll sends every account to the servers (after `admin init` on a
// fresh node, to repair one, or after an upgrade). Each account is signed
// again first, so its role templates are this version's: the permissions
// of every device change with it, without new credentials. Limits and
// revocations stay.
func (s *Store) PushAll(ctx context.Context, urls []string) error {
	s.mu.Lock()
	var toks []string
	for _, a := range s.d.Accounts {
		if err := s.signAccount(a, Limits{}); err != nil {
			s.mu.Unlock()
			return err
		}
		toks = append(toks, a.JWT)
	}
	err := s.save()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Push(ctx, urls, toks...)
}

// CreateBucket makes the user's `calls` KV bucket with deskdial's limits,
// logged in for a minute as the account itself. Devices cannot make or
// delete buckets. replicas is 3 in a three-node cluster, 1 on one node.
func (s *Store) CreateBucket(ctx context.Context, urls []string, user string, replicas int) error {
	a, err := s.User(user)
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		urls = s.d.Servers
	}
	if replicas <= 0 {
		replicas = 1
	}
	akp, err := nkeys.FromSeed([]byte(a.Seed))
	if err != nil {
		return fmt.Errorf("relay: account key: %w", err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	uc := jwt.NewUserClaims(upub)
	uc.Name = "deskdial-admin"
	uc.Expires = time.Now().Add(time.Minute).Unix()
	tok, err := uc.Encode(akp)
	if err != nil {
		return fmt.Errorf("relay: sign admin user: %w", err)
	}
	creds, err := jwt.FormatUserConfig(tok, useed)
	if err != nil {
		return fmt.Errorf("relay: admin creds: %w", err)
	}
	conn, done, err := connectCreds(ctx, urls, creds, "deskdial admin "+a.Name, s.ca)
	if err != nil {
		return fmt.Errorf("create bucket for %s: %w", a.Name, err)
	}
	defer done()
	return createBucket(ctx, conn, replicas)
}

// ErrBucket means JetStream refused to make the bucket.
var ErrBucket = errors.New("relay: bucket not created")

// createBucket sends the stream definition of a KV bucket (what nats.go's
// CreateKeyValue sends) through the JetStream API. bus carries raw
// requests only, and this is the one JetStream call the relay makes.
func createBucket(ctx context.Context, conn *bus.Conn, replicas int) error {
	cfg := map[string]any{
		"name":                 "KV_" + Bucket,
		"subjects":             []string{"$KV." + Bucket + ".>"},
		"retention":            "limits",
		"max_consumers":        -1,
		"max_msgs":             BucketMaxMsgs,
		"max_msgs_per_subject": BucketHistory,
		"max_bytes":            BucketMaxBytes,
		"max_age":              0,
		"max_msg_size":         BucketMaxValue,
		"storage":              "file",
		"discard":              "new",
		"num_replicas":         replicas,
		"duplicate_window":     int64(2 * time.Minute),
		"deny_delete":          true,
		"deny_purge":           true,
		"allow_rollup_hdrs":    false,
		"allow_direct":         true,
	}
	body, _ := json.Marshal(cfg)
	err := streamAPI(ctx, conn, "CREATE", body)
	// A bucket made by an older deskdial (purge and rollup allowed, no
	// message cap) gets today's limits; its values stay.
	if errors.Is(err, errStreamExists) {
		err = streamAPI(ctx, conn, "UPDATE", body)
	}
	return err
}

// errStreamExists is JetStream's "stream name already in use with a
// different configuration" (error code 10058).
var errStreamExists = errors.New("relay: bucket exists with other settings")

func streamAPI(ctx context.Context, conn *bus.Conn, op string, body []byte) error {
	b, err := conn.Request(ctx, "$JS.API.STREAM."+op+".KV_"+Bucket, body, pushTimeout)
	if err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	var r struct {
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("create bucket: read answer: %w", err)
	}
	if r.Error != nil {
		if op == "CREATE" && r.Error.ErrCode == 10058 {
			return errStreamExists
		}
		return fmt.Errorf("%w: %s (%d)", ErrBucket, r.Error.Description, r.Error.ErrCode)
	}
	return nil
}
