// Package adb is the backend for an Android phone driven by a computer next
// to it, over USB or Wi-Fi debugging. It runs the adb client:
//
//	adb [-P PORT] -s SERIAL shell "am start -a android.intent.action.CALL -d 'tel:...'"
//
// (android.intent.action.DIAL to only fill in the dialer), reads the call
// state from `dumpsys telephony.registry` (mCallState: 0 idle, 1 ringing,
// 2 off-hook) and hangs up with `input keyevent KEYCODE_ENDCALL`. The adb
// shell uid holds CALL_PHONE, so the call goes out whatever app is in front.
//
// adb joins its arguments into one string that the phone's /system/bin/sh
// parses, so the number never reaches that shell raw: only [0-9+] pass
// unencoded, everything else is percent-encoded, and the URI is
// single-quoted on top.
package adb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
)

// Intent actions: CALL places the call, DIAL opens the dialer prefilled.
const (
	ActionCall = "android.intent.action.CALL"
	ActionDial = "android.intent.action.DIAL"
)

// ErrDevice means adb reached no usable device (none, several, not authorized, offline).
var ErrDevice = errors.New("adb: no usable device")

// Option configures a Dialer.
type Option func(*Dialer)

// WithSerial picks the device (as `adb devices` lists it, e.g. "R58M12345"
// or "192.168.1.20:5555"); without it there must be exactly one device.
func WithSerial(s string) Option { return func(d *Dialer) { d.serial = s } }

// WithADB sets the adb executable (default "adb" from PATH).
func WithADB(path string) Option { return func(d *Dialer) { d.adb = path } }

// WithServerPort talks to the adb server on this port (adb -P) instead of 5037.
func WithServerPort(port int) Option { return func(d *Dialer) { d.port = port } }

// WithPollInterval sets how often Watch reads the call state (default 1s).
func WithPollInterval(iv time.Duration) Option { return func(d *Dialer) { d.poll = iv } }

// WithStartTimeout sets how long Watch waits for the phone to go off-hook
// after the call intent (default 60s: a dual-SIM chooser waits for a tap).
func WithStartTimeout(t time.Duration) Option { return func(d *Dialer) { d.startTimeout = t } }

// Dialer drives a phone through adb.
type Dialer struct {
	adb          string
	port         int
	serial       string
	poll         time.Duration
	startTimeout time.Duration

	mu     sync.Mutex
	hungUp map[string]bool // serial -> the desktop asked to hang up
}

// New returns an adb dialer.
func New(opts ...Option) *Dialer {
	d := &Dialer{adb: "adb", poll: time.Second, startTimeout: 60 * time.Second, hungUp: map[string]bool{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Dialer) Name() string { return "adb" }

// Capabilities: it places calls; states are coarse (Android reports only
// idle / ringing / off-hook, so off-hook is shown as active).
func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
}

// Command returns the device shell command that starts action for number.
// The result is safe to hand to a POSIX shell whatever number contains.
func Command(action, number string) string {
	return "am start -a " + action + " -d '" + telnum.URI(number) + "'"
}

// run executes adb with args; a failure carries adb's own message.
func (d *Dialer) run(ctx context.Context, args ...string) (string, error) {
	full := make([]string, 0, len(args)+2)
	if d.port != 0 {
		full = append(full, "-P", strconv.Itoa(d.port))
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, d.adb, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := strings.ReplaceAll(stdout.String(), "\r\n", "\n")
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) || errors.Is(err, fs.ErrNotExist) {
			return out, fmt.Errorf("%w: the adb program was not found (install it: apt install adb): %v", dialer.ErrUnavailable, err)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(out)
		}
		return out, classify(msg, err)
	}
	return out, nil
}

// classify turns adb's error text into an error a user can act on.
func classify(msg string, err error) error {
	first, _, _ := strings.Cut(strings.TrimPrefix(msg, "error: "), "\n")
	switch {
	case strings.Contains(msg, "unauthorized"):
		return fmt.Errorf("%w: %w: the phone has not authorized this computer: unlock it and accept \"Allow USB debugging?\"", dialer.ErrUnavailable, ErrDevice)
	case strings.Contains(msg, "device offline"):
		return fmt.Errorf("%w: %w: the phone is offline: reconnect the cable, or run adb reconnect", dialer.ErrUnavailable, ErrDevice)
	case strings.Contains(msg, "not found") && strings.Contains(msg, "device"),
		strings.Contains(msg, "no devices"):
		return fmt.Errorf("%w: %w: %s", dialer.ErrUnavailable, ErrDevice, first)
	case strings.Contains(msg, "more than one device"):
		return fmt.Errorf("%w: %w: several devices are connected: choose one with --serial", dialer.ErrUnavailable, ErrDevice)
	case strings.Contains(msg, "cannot connect to daemon"), strings.Contains(msg, "failed to start daemon"):
		return fmt.Errorf("%w: the adb server is not reachable: %s", dialer.ErrUnavailable, first)
	}
	if first == "" {
		first = err.Error()
	}
	return fmt.Errorf("adb: %s", first)
}

// Device is one line of `adb devices`.
type Device struct {
	Serial string
	State  string // device, unauthorized, offline, no permissions, recovery, ...
}

// ParseDevices reads `adb devices` output.
func ParseDevices(out string) []Device {
	var ds []Device
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		serial, state, ok := strings.Cut(line, "\t")
		if !ok || serial == "" || strings.IndexFunc(serial, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			continue
		}
		// "no permissions (user in plugdev group; ...)" keeps its words.
		state = strings.TrimSpace(state)
		if state == "" {
			continue
		}
		ds = append(ds, Device{Serial: serial, State: state})
	}
	return ds
}

// usable says what is wrong with a listed device, or nil.
func usable(dev Device) error {
	switch {
	case dev.State == "device":
		return nil
	case dev.State == "unauthorized":
		return fmt.Errorf("%w: %w: %s has not authorized this computer: unlock the phone and accept \"Allow USB debugging?\"", dialer.ErrUnavailable, ErrDevice, dev.Serial)
	case dev.State == "offline":
		return fmt.Errorf("%w: %w: %s is offline: reconnect the cable, or run adb reconnect", dialer.ErrUnavailable, ErrDevice, dev.Serial)
	case strings.HasPrefix(dev.State, "no permissions"):
		return fmt.Errorf("%w: %w: no permission to open %s over USB: add a udev rule for the phone (see docs/phones.md)", dialer.ErrUnavailable, ErrDevice, dev.Serial)
	}
	return fmt.Errorf("%w: %w: %s is in %q mode, not running Android", dialer.ErrUnavailable, ErrDevice, dev.Serial, dev.State)
}

// device picks the device to use.
func (d *Dialer) device(ctx context.Context) (string, error) {
	out, err := d.run(ctx, "devices")
	if err != nil {
		return "", err
	}
	devs := ParseDevices(out)
	if d.serial != "" {
		var seen []string
		for _, dev := range devs {
			if dev.Serial == d.serial {
				if err := usable(dev); err != nil {
					return "", err
				}
				return dev.Serial, nil
			}
			seen = append(seen, dev.Serial)
		}
		if len(seen) == 0 {
			seen = []string{"none"}
		}
		return "", fmt.Errorf("%w: %w: device %s is not connected (adb sees: %s)", dialer.ErrUnavailable, ErrDevice, d.serial, strings.Join(seen, ", "))
	}
	switch len(devs) {
	case 0:
		return "", fmt.Errorf("%w: %w: no Android device connected (enable USB debugging and plug it in, or adb connect HOST:5555)", dialer.ErrUnavailable, ErrDevice)
	case 1:
		if err := usable(devs[0]); err != nil {
			return "", err
		}
		return devs[0].Serial, nil
	}
	var names []string
	for _, dev := range devs {
		names = append(names, dev.Serial)
	}
	return "", fmt.Errorf("%w: %w: several devices connected (%s): choose one with --serial", dialer.ErrUnavailable, ErrDevice, strings.Join(names, ", "))
}

// Check reports whether exactly the chosen (or the only) device is ready.
func (d *Dialer) Check(ctx context.Context) error {
	_, err := d.device(ctx)
	return err
}

func (d *Dialer) shell(ctx context.Context, serial, command string) (string, error) {
	// One argument: adb passes it to the device shell as is.
	return d.run(ctx, "-s", serial, "shell", command)
}

// Handles are "call/SERIAL" or "prefill/SERIAL".
func handle(mode call.Mode, serial string) string { return string(mode) + "/" + serial }

func parseHandle(h string) (call.Mode, string, error) {
	mode, serial, ok := strings.Cut(h, "/")
	if !ok || serial == "" || (mode != string(call.ModeCall) && mode != string(call.ModePrefill)) {
		return "", "", fmt.Errorf("adb: bad call handle %q", h)
	}
	return call.Mode(mode), serial, nil
}

// Dial starts the CALL intent (or DIAL for call.ModePrefill) on the phone.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	if err := telnum.Check(req.Number); err != nil {
		return dialer.Call{}, fmt.Errorf("adb dial: %w", err)
	}
	serial, err := d.device(ctx)
	if err != nil {
		return dialer.Call{}, err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("adb dial %s: request expired", req.ID)
	}
	action, mode := ActionCall, call.ModeCall
	if req.Mode == call.ModePrefill {
		action, mode = ActionDial, call.ModePrefill
	}
	if mode == call.ModeCall {
		d.mu.Lock()
		delete(d.hungUp, serial)
		d.mu.Unlock()
	}
	out, err := d.shell(ctx, serial, Command(action, req.Number))
	if err != nil {
		return dialer.Call{}, err
	}
	// am prints "Error: ..." or a Java exception and still exits 0 on
	// older Android releases.
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Error") || strings.Contains(line, "Exception") {
			return dialer.Call{}, fmt.Errorf("adb dial: the phone refused the intent: %s", line)
		}
	}
	return dialer.Call{ID: req.ID, Handle: handle(mode, serial)}, nil
}

// ParseCallState reads the highest mCallState of all phones (SIM slots) in
// `dumpsys telephony.registry` output: 0 idle, 1 ringing, 2 off-hook.
func ParseCallState(out string) (int, bool) {
	best, found := 0, false
	for rest := out; ; {
		i := strings.Index(rest, "mCallState=")
		if i < 0 {
			break
		}
		rest = rest[i+len("mCallState="):]
		j := 0
		for j < len(rest) && j < 3 && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 {
			continue
		}
		v, _ := strconv.Atoi(rest[:j])
		if v > 2 {
			continue
		}
		found = true
		if v > best {
			best = v
		}
	}
	return best, found
}

const (
	callIdle    = 0
	callOffhook = 2
)

// Watch polls the phone's call state. Android reports only off-hook, not
// dialing/alerting/active separately, so the states are: dialing until the
// phone goes off-hook, active while it is, ended when it is idle again.
func (d *Dialer) Watch(ctx context.Context, c dialer.Call) (<-chan dialer.Event, error) {
	mode, serial, err := parseHandle(c.Handle)
	if err != nil {
		return nil, err
	}
	out := make(chan dialer.Event)
	if mode == call.ModePrefill {
		go func() {
			defer close(out)
			select {
			case out <- dialer.Event{State: call.Prefilled, At: time.Now()}:
			case <-ctx.Done():
			}
		}()
		return out, nil
	}
	go func() {
		defer close(out)
		d.watch(ctx, serial, out)
	}()
	return out, nil
}

func (d *Dialer) watch(ctx context.Context, serial string, out chan<- dialer.Event) {
	var activeAt time.Time
	send := func(ev dialer.Event) bool {
		ev.At = time.Now()
		select {
		case out <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !send(dialer.Event{State: call.Dialing}) {
		return
	}
	started := time.Now()
	failures := 0
	tick := time.NewTicker(d.poll)
	defer tick.Stop()
	for {
		text, err := d.shell(ctx, serial, "dumpsys telephony.registry")
		if ctx.Err() != nil {
			return
		}
		st, ok := ParseCallState(text)
		switch {
		case err != nil || !ok:
			// One failed read can be a USB hiccup; three in a row mean the
			// phone is gone.
			failures++
			if failures >= 3 {
				reason := "lost the phone: "
				if err != nil {
					reason += err.Error()
				} else {
					reason += "dumpsys telephony.registry reports no call state"
				}
				send(dialer.Event{State: call.Failed, Reason: reason})
				return
			}
		case st == callOffhook:
			failures = 0
			if activeAt.IsZero() {
				activeAt = time.Now()
				if !send(dialer.Event{State: call.Active}) {
					return
				}
			}
		case st == callIdle && !activeAt.IsZero():
			ev := dialer.Event{State: call.Ended, Duration: time.Since(activeAt)}
			d.mu.Lock()
			if d.hungUp[serial] {
				ev.Reason = "hung up from the desktop"
				delete(d.hungUp, serial)
			}
			d.mu.Unlock()
			send(ev)
			return
		default:
			failures = 0
			if time.Since(started) > d.startTimeout {
				send(dialer.Event{State: call.Failed, Reason: "the phone never started the call (locked, or waiting for a SIM choice?)"})
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Hangup presses the phone's end-call key.
func (d *Dialer) Hangup(ctx context.Context, c dialer.Call) error {
	mode, serial, err := parseHandle(c.Handle)
	if err != nil {
		return err
	}
	if mode == call.ModePrefill {
		return fmt.Errorf("adb hangup of a prefilled dialer: %w", dialer.ErrUnsupported)
	}
	d.mu.Lock()
	d.hungUp[serial] = true
	d.mu.Unlock()
	if _, err := d.shell(ctx, serial, "input keyevent KEYCODE_ENDCALL"); err != nil {
		return fmt.Errorf("adb hangup: %w", err)
	}
	return nil
}
