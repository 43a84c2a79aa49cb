package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cluster starts the shipped three-node configuration on loopback.
func startCluster(t testing.TB, st *Store, base string) []*server.Server {
	t.Helper()
	layout(t, st, base)
	names := []string{"a", "b", "c"}
	ports := make([]int, len(names))
	var routes []string
	for i := range names {
		ports[i] = freePort(t)
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[i]))
	}
	var opts []*server.Options
	for i, n := range names {
		o := loadConf(t, filepath.Join(base, "cluster", "node-"+n+".conf"), filepath.Join(base, n))
		o.Cluster.Host, o.Cluster.Port = "127.0.0.1", ports[i]
		o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		opts = append(opts, o)
	}
	var srvs []*server.Server
	for _, o := range opts {
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		srvs = append(srvs, s)
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	for _, s := range srvs {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("cluster node did not start")
		}
	}
	testsupport.WaitForWithin(t, 15*time.Second, "the routes to form", func() bool {
		for _, s := range srvs {
			if s.NumRoutes() < len(srvs)-1 {
				return false
			}
		}
		return true
	})
	return srvs
}

// nodeOf finds the running node holding a connection with this name.
func nodeOf(srvs []*server.Server, connName string) int {
	for i, s := range srvs {
		if !s.Running() {
			continue
		}
		cz, err := s.Connz(&server.ConnzOptions{})
		if err != nil {
			continue
		}
		for _, c := range cz.Conns {
			if c.Name == connName {
				return i
			}
		}
	}
	return -1
}

type outcome struct {
	num    string
	result string // accepted, offline, timeout
	err    error
}

// TestClusterFailover kills the desktop's node, then the phone's node, while
// dials stream through a three-node cluster. Every dial gets exactly one
// answer, accepted, offline or timed out; the phone never dials a number
// twice nor after the request expired; every accepted dial was dialled.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, deskDir, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, phDir := ident(t)
	phCreds := phoneCreds(t, minter(t, deskCreds), ph, phDir)

	srvs := startCluster(t, st, filepath.Join(base, "relay"))
	// The user's bucket, with a replica on every node, once JetStream has
	// elected its leader.
	var urls []string
	for _, s := range srvs {
		urls = append(urls, clientURL(s))
	}
	testsupport.WaitForWithin(t, 30*time.Second, "the calls bucket with three replicas", func() bool {
		return st.CreateBucket(ctx, urls, "alice", 3) == nil
	})
	// The desktop starts on node a, the phone on node b; both learn the
	// other nodes from the cluster.
	phone := startPhone(t, ph, phDir, phCreds, []device.Peer{peerOf(desk, "Laptop", device.RoleDesktop, clientURL(srvs[1]))})
	client := desktop(t, desk, deskDir, clientURL(srvs[0]), deskCreds, peerOf(ph, "Pixel", device.RolePhone, ""))
	testsupport.WaitForWithin(t, 15*time.Second, "the phone to connect", func() bool { return nodeOf(srvs, "deskdial phone Pixel") == 1 })

	const timeout = 2 * time.Second
	var (
		mu   sync.Mutex
		outs []*outcome
		wg   sync.WaitGroup
	)
	dial := func(i int) {
		defer wg.Done()
		num := fmt.Sprintf("+4930555%05d", i)
		o := &outcome{num: num}
		mu.Lock()
		outs = append(outs, o)
		mu.Unlock()
		h, err := client.Call(ctx, ph.ID, num, call.ModeCall, remote.Timeout(timeout))
		result := "error"
		switch {
		case err == nil:
			result = "accepted"
			h.Close()
		case errors.Is(err, remote.ErrOffline):
			result = "offline"
		case errors.Is(err, remote.ErrTimeout):
			result = "timeout"
		}
		mu.Lock()
		o.result, o.err = result, err
		mu.Unlock()
	}
	accepted := func(from int) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for i := from; i < len(outs); i++ {
			if outs[i].result == "accepted" {
				n++
			}
		}
		return n
	}
	// A stream of dials, one every 20 ms, each waiting for its answer on
	// its own, so some are always in flight when a node goes.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	sent := 0
	send := func(n int) {
		for ; n > 0; n-- {
			<-tick.C
			wg.Add(1)
			go dial(sent)
			sent++
		}
	}
	send(25)
	deskNode := nodeOf(srvs, "deskdial cli")
	if deskNode != 0 {
		t.Fatalf("desktop on node %d, want 0", deskNode)
	}
	srvs[deskNode].Shutdown()
	send(25)
	phoneNode := nodeOf(srvs, "deskdial phone Pixel")
	if phoneNode < 0 {
		// The phone is between nodes; wait for it to settle.
		testsupport.WaitForWithin(t, 10*time.Second, "the phone to reconnect", func() bool { return nodeOf(srvs, "deskdial phone Pixel") >= 0 })
		phoneNode = nodeOf(srvs, "deskdial phone Pixel")
	}
	srvs[phoneNode].Shutdown()
	mark := sent
	send(25)
	// Keep dialling until the stream recovers on the last node.
	deadline := time.Now().Add(30 * time.Second)
	for accepted(mark) < 10 && time.Now().Before(deadline) {
		send(5)
	}
	wg.Wait()

	// Every accepted dial was dialled exactly once; nothing was dialled
	// twice, or after its request expired; offline ones were not dialled.
	recs := phone.dialer.records()
	byNum := map[string][]dialRec{}
	for _, r := range recs {
		byNum[r.Number] = append(byNum[r.Number], r)
	}
	logged := map[string]int{}
	for _, n := range phone.dialled(t) {
		logged[n]++
	}
	counts := map[string]int{}
	for _, o := range outs {
		counts[o.result]++
		if o.result == "error" {
			t.Errorf("dial %s: reported neither accepted, offline nor timed out: %v", o.num, o.err)
		}
		if logged[o.num] > 1 || len(byNum[o.num]) > 1 {
			t.Errorf("dial %s: dialled %d times", o.num, logged[o.num])
		}
		if o.result == "accepted" && logged[o.num] != 1 {
			t.Errorf("dial %s: accepted but not in the phone's log", o.num)
		}
		if o.result == "offline" && logged[o.num] != 0 {
			t.Errorf("dial %s: reported offline but dialled", o.num)
		}
		for _, r := range byNum[o.num] {
			if r.At.After(r.Expires) {
				t.Errorf("dial %s: dialled %s after its request expired", o.num, r.At.Sub(r.Expires))
			}
		}
	}
	if len(logged) != len(recs) {
		t.Errorf("the log has %d numbers, the backend was handed %d", len(logged), len(recs))
	}
	if accepted(mark) < 10 {
		t.Errorf("the dial stream did not recover on the last node: %v", counts)
	}
	t.Logf("%d dials: %v", len(outs), counts)
}
