// Package jskv keeps deskdial's synced history in a NATS JetStream
// key-value bucket. It implements the KV interface of internal/history
// without importing it: the bucket only ever holds sealed values under
// HMAC-derived keys, so nothing here knows about calls or contacts.
//
// Devices bind to a bucket made by whoever runs the server (the embedded
// server at first start, or the hosting backend); binding, putting,
// getting and watching need exactly these four permissions: $KV.<bucket>.>, $JS.API.STREAM.INFO.KV_<bucket>,
// $JS.API.DIRECT.GET.KV_<bucket>.> and $JS.API.CONSUMER.CREATE.KV_<bucket>.>.
package jskv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/internal/rawconn"
)

// DefaultBucket is the bucket deskdial syncs history through.
const DefaultBucket = "calls"

// Sentinel errors.
var ErrBucket = errors.New("jskv: bucket unavailable")

// KV is a bound bucket.
type KV struct {
	nc      *nats.Conn
	kv      jetstream.KeyValue
	timeout time.Duration
}

// Option configures Bind and Create.
type Option func(*KV)

// WithTimeout bounds each Put and Get whose context has no deadline
// (default 5 s), so a write while the server is unreachable fails and stays
// queued instead of hanging.
func WithTimeout(d time.Duration) Option { return func(k *KV) { k.timeout = d } }

func newKV(nc *nats.Conn, kv jetstream.KeyValue, opts []Option) *KV {
	k := &KV{nc: nc, kv: kv, timeout: 5 * time.Second}
	for _, o := range opts {
		o(k)
	}
	return k
}

// Bind opens an existing bucket.
func Bind(ctx context.Context, nc *nats.Conn, bucket string, opts ...Option) (*KV, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBucket, bucket, err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("%w: bind %s: %v", ErrBucket, bucket, err)
	}
	return newKV(nc, kv, opts), nil
}

// Create makes the bucket if it does not exist (an operation for the
// server's owner; devices lack the permission) and binds it. The limits
// follow what sync needs: one entry per number or contact, a few
// revisions kept, small values.
func Create(ctx context.Context, nc *nats.Conn, bucket string, opts ...Option) (*KV, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBucket, bucket, err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:       bucket,
		Description:  "deskdial history sync (sealed values)",
		History:      5,
		MaxBytes:     16 << 20,
		MaxValueSize: 4 << 10,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: create %s: %v", ErrBucket, bucket, err)
	}
	return newKV(nc, kv, opts), nil
}

func (k *KV) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || k.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, k.timeout)
}

// Put stores value under key.
func (k *KV) Put(ctx context.Context, key string, value []byte) error {
	ctx, cancel := k.bound(ctx)
	defer cancel()
	if _, err := k.kv.Put(ctx, key, value); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get returns the value under key, or nil and no error if there is none.
func (k *KV) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := k.bound(ctx)
	defer cancel()
	e, err := k.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return e.Value(), nil
}

// Watch calls fn with every current entry and then with each change, until
// ctx ends, the watch fails, or fn returns an error. deleted is set for
// delete and purge markers.
//
// After the connection comes back the watcher is made again, resuming
// after the last revision seen: when the server restarted, nats.go's
// ordered consumer only notices its consumer is gone after missed
// heartbeats, which took about 20 s in deskdial's tests.
func (k *KV) Watch(ctx context.Context, fn func(key string, value []byte, deleted bool) error) error {
	var last uint64
	for {
		reconnects := k.nc.Stats().Reconnects
		var opts []jetstream.WatchOpt
		if last > 0 {
			opts = append(opts, jetstream.ResumeFromRevision(last+1))
		}
		w, err := k.kv.WatchAll(ctx, opts...)
		if err != nil {
			return fmt.Errorf("watch: %w", err)
		}
		err = k.follow(ctx, w, reconnects, &last, fn)
		w.Stop()
		if !errors.Is(err, errReconnected) {
			return err
		}
	}
}

var errReconnected = errors.New("jskv: reconnected")

func (k *KV) follow(ctx context.Context, w jetstream.KeyWatcher, reconnects uint64, last *uint64, fn func(string, []byte, bool) error) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if k.nc.Stats().Reconnects != reconnects && k.nc.IsConnected() {
				return errReconnected
			}
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("watch: %w: updates closed", ErrBucket)
			}
			if e == nil {
				continue // the end of the current values
			}
			if e.Revision() > *last {
				*last = e.Revision()
			}
			if err := fn(e.Key(), e.Value(), e.Operation() != jetstream.KeyValuePut); err != nil {
				return err
			}
		}
	}
}

// BindConn is Bind on a deskdial bus connection.
func BindConn(ctx context.Context, c *bus.Conn, bucket string, opts ...Option) (*KV, error) {
	return Bind(ctx, rawconn.Of(c), bucket, opts...)
}

// CreateConn is Create on a deskdial bus connection (a server's owner
// makes the bucket once; tests do the same).
func CreateConn(ctx context.Context, c *bus.Conn, bucket string, opts ...Option) (*KV, error) {
	return Create(ctx, rawconn.Of(c), bucket, opts...)
}
