package adb

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeServer speaks the adb host ("smart socket") protocol that the real
// adb client uses to reach its server: each request is a 4-hex-digit length
// and a payload; the answer is OKAY or FAIL plus a length-prefixed message.
// Requests handled: host:version, host:devices(-l), host:features,
// host-serial:S:features, host:transport:S, host:tport:serial:S,
// host:transport-any, host:tport:any, then shell:CMD or shell,v2,...:CMD on
// the same connection. The device side answers am, dumpsys and input the
// way an Android phone does.
type fakeServer struct {
	t  testing.TB
	ln net.Listener

	mu        sync.Mutex
	devices   []fakeDevice
	shells    []string // "SERIAL\tCMD" for every shell command received
	requests  []string
	callState map[string]int // per serial: 0 idle, 1 ringing, 2 offhook
	amOutput  string         // what `am start` prints; empty: a success line
}

type fakeDevice struct{ serial, state string }

// adbVersion is the protocol version of Debian's adb 1.0.41; the client
// kills and restarts a server that reports another one.
const adbVersion = 41

func newFakeServer(t testing.TB, devices ...fakeDevice) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, devices: devices, callState: map[string]int{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

func (s *fakeServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *fakeServer) setCallState(serial string, st int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callState[serial] = st
}

func (s *fakeServer) shellLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.shells...)
}

func (s *fakeServer) requestLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func readRequest(r *bufio.Reader) (string, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", err
	}
	n, err := strconv.ParseUint(string(hdr[:]), 16, 16)
	if err != nil {
		return "", fmt.Errorf("bad length %q", hdr)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf), nil
}

func okay(w io.Writer, msg string) {
	fmt.Fprintf(w, "OKAY%04x%s", len(msg), msg)
}

func fail(w io.Writer, msg string) {
	fmt.Fprintf(w, "FAIL%04x%s", len(msg), msg)
}

// pick finds the device for a transport request; "" serial means any.
func (s *fakeServer) pick(serial string) (fakeDevice, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []fakeDevice
	for _, d := range s.devices {
		if serial == "" || d.serial == serial {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 0 && serial == "":
		return fakeDevice{}, "no devices/emulators found"
	case len(found) == 0:
		return fakeDevice{}, fmt.Sprintf("device '%s' not found", serial)
	case len(found) > 1:
		return fakeDevice{}, "more than one device/emulator"
	}
	switch found[0].state {
	case "device":
		return found[0], ""
	case "unauthorized":
		return fakeDevice{}, "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\nTry 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on your device."
	default:
		return fakeDevice{}, "device " + found[0].state
	}
}

const features = "shell_v2,cmd,stat_v2,ls_v2,fixed_push_mkdir,apex,abb,fixed_push_symlink_timestamp,abb_exec,remount_shell,track_app,sendrecv_v2"

func (s *fakeServer) serve(c net.Conn) {
	r := bufio.NewReader(c)
	var dev fakeDevice
	for {
		req, err := readRequest(r)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		switch {
		case req == "host:version":
			okay(c, fmt.Sprintf("%04x", adbVersion))
			return
		case req == "host:devices" || req == "host:devices-l":
			var b strings.Builder
			s.mu.Lock()
			for _, d := range s.devices {
				if req == "host:devices-l" {
					fmt.Fprintf(&b, "%-22s %s product:fake model:Fake_Phone device:fake transport_id:1\n", d.serial, d.state)
				} else {
					fmt.Fprintf(&b, "%s\t%s\n", d.serial, d.state)
				}
			}
			s.mu.Unlock()
			okay(c, b.String())
			return
		case req == "host:features" || strings.HasPrefix(req, "host-serial:") && strings.HasSuffix(req, ":features"):
			serial := ""
			if strings.HasPrefix(req, "host-serial:") {
				serial = strings.TrimSuffix(strings.TrimPrefix(req, "host-serial:"), ":features")
			}
			if _, msg := s.pick(serial); msg != "" {
				fail(c, msg)
				return
			}
			okay(c, features)
			return
		case strings.HasPrefix(req, "host:transport:") || req == "host:transport-any":
			d, msg := s.pick(strings.TrimPrefix(strings.TrimPrefix(req, "host:transport-any"), "host:transport:"))
			if msg != "" {
				fail(c, msg)
				return
			}
			dev = d
			io.WriteString(c, "OKAY")
		case strings.HasPrefix(req, "host:tport:"):
			sel := strings.TrimPrefix(req, "host:tport:")
			serial := ""
			if strings.HasPrefix(sel, "serial:") {
				serial = strings.TrimPrefix(sel, "serial:")
			}
			d, msg := s.pick(serial)
			if msg != "" {
				fail(c, msg)
				return
			}
			dev = d
			io.WriteString(c, "OKAY")
			var id [8]byte
			binary.LittleEndian.PutUint64(id[:], 1)
			c.Write(id[:])
		case strings.HasPrefix(req, "shell"):
			if dev.serial == "" {
				fail(c, "no transport selected")
				return
			}
			head, cmd, _ := strings.Cut(req, ":")
			out, code := s.run(dev.serial, cmd)
			io.WriteString(c, "OKAY")
			if strings.HasPrefix(head, "shell,v2") {
				packet(c, 1, []byte(out))
				packet(c, 3, []byte{byte(code)})
			} else {
				io.WriteString(c, out)
			}
			return
		default:
			fail(c, "unknown host service")
			return
		}
	}
}

// packet writes one shell protocol v2 packet: id, little-endian length, data.
func packet(w io.Writer, id byte, data []byte) {
	var hdr [5]byte
	hdr[0] = id
	binary.LittleEndian.PutUint32(hdr[1:], uint32(len(data)))
	w.Write(hdr[:])
	w.Write(data)
}

// run answers a device shell command the way Android's tools print.
func (s *fakeServer) run(serial, cmd string) (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shells = append(s.shells, serial+"\t"+cmd)
	switch {
	case strings.HasPrefix(cmd, "am start "):
		if s.amOutput != "" {
			return s.amOutput, 0
		}
		return "Starting: Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxx }\n", 0
	case cmd == "dumpsys telephony.registry":
		st := s.callState[serial]
		return fmt.Sprintf("last known state:\n  Phone Id=0\n  mCallState=%d\n  mRingingCallState=0\n  mForegroundCallState=0\n"+
			"  Phone Id=1\n  mCallState=0\n  mRingingCallState=0\nlocal logs:\n", st), 0
	case cmd == "input keyevent KEYCODE_ENDCALL":
		s.callState[serial] = 0
		return "", 0
	}
	return "/system/bin/sh: " + cmd + ": inaccessible or not found\n", 127
}
