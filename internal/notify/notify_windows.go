//go:build windows

package notify

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
	"github.com/go-ole/go-ole"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows a notification is a toast. Windows shows a toast of an
// unpackaged program only under an AppUserModelID registered for the user
// (HKCU\Software\Classes\AppUserModelId\<AUMID>), and hands a click on its
// buttons to the COM class that registration names as CustomActivator.
// go-toast's wintoast package implements that class in Go, registers it in
// the running process (CoRegisterClassObject) and shows the toast through
// WinRT; the toast's XML is ours (toastxml.go), escaped, and the registry
// is written here.

const (
	// defaultAUMID is the toast's AppUserModelID, the tray's app ID.
	defaultAUMID = "io.github.deskdial"
	// activatorCLSID is deskdial's own COM class for toast clicks (a
	// GUID made for deskdial; go-toast's default one is shared by every
	// program that keeps it).
	activatorCLSID = "{6B1D4A7E-3F2C-4E8B-9A51-D2C7E0F4B963}"
	// toastManager is the WinRT class that shows toasts, and
	// iidManagerStatics5 the interface whose GetDefault wintoast calls.
	toastManager       = "Windows.UI.Notifications.ToastNotificationManager"
	iidManagerStatics5 = "{D6F5F569-D40D-407C-8989-88CAB42CFD14}"
)

// activations carries toast clicks from the COM activator, which Windows
// calls on a thread of its own, to the backend's run loop. A click that
// finds it full is dropped: the user clicks again.
var activations = make(chan string, 16)

var setCallback sync.Once

// toastBackend shows Windows toasts. Pushes run on one locked OS thread,
// which wintoast initializes for WinRT on the first push.
type toastBackend struct {
	aumid  string
	pushes chan push

	mu     sync.Mutex
	nextID uint32
	ours   map[uint32]bool
	failed error // a push failed: toasts are off from then on
	done   bool
}

type push struct {
	xml   string
	reply chan error
}

func newBackend(ctx context.Context, o options) (backend, error) {
	if err := toastsAvailable(); err != nil {
		return nil, fmt.Errorf("find Windows toast notifications: %v: %w", err, ErrNoServer)
	}
	aumid := o.desktopEntry
	if aumid == "" {
		aumid = defaultAUMID
	}
	// Registered at every start, per user, not by install-handler: a
	// toast needs it before the first one shows whether or not the user
	// ever installed the link handler, the values are the same each time,
	// and writing them costs nothing.
	if err := registerAUMID(aumid, "deskdial"); err != nil {
		return nil, fmt.Errorf("register toast app id: %v: %w", err, ErrNoServer)
	}
	installActivator()
	b := &toastBackend{aumid: aumid, pushes: make(chan push), ours: map[uint32]bool{}}
	go b.pusher()
	return b, nil
}

// installActivator makes wintoast's COM activator deskdial's class and
// routes its clicks to activations.
func installActivator() {
	setCallback.Do(func() {
		wintoast.GUID_ImplNotificationActivationCallback = ole.NewGUID(activatorCLSID)
		wintoast.SetActivationCallback(func(_, args string, _ []wintoast.UserData) {
			select {
			case activations <- args:
			default:
			}
		})
	})
}

// toastsAvailable asks WinRT for the toast manager's activation factory,
// on a thread of its own that is initialized for it and then ends. Wine
// and Windows Server Core without the notification platform have none.
func toastsAvailable() error {
	errc := make(chan error, 1)
	go func() {
		// The thread ends with the goroutine (still locked), taking its
		// WinRT initialization with it.
		runtime.LockOSThread()
		hr, _, _ := procRoInitialize.Call(1) // RO_INIT_MULTITHREADED
		if hr != 0 && hr != 1 {              // S_OK, S_FALSE
			errc <- fmt.Errorf("RoInitialize: %w", ole.NewError(hr))
			return
		}
		defer procRoUninitialize.Call()
		f, err := ole.RoGetActivationFactory(toastManager, ole.NewGUID(iidManagerStatics5))
		if err != nil {
			errc <- fmt.Errorf("activation factory of %s: %w", toastManager, err)
			return
		}
		f.Release()
		errc <- nil
	}()
	return <-errc
}

var (
	modcombase         = windows.NewLazySystemDLL("combase.dll")
	procRoInitialize   = modcombase.NewProc("RoInitialize")
	procRoUninitialize = modcombase.NewProc("RoUninitialize")
)

// registerAUMID writes the AppUserModelID registration under HKCU: the
// name the toast shows and the COM class its clicks go to.
func registerAUMID(aumid, name string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, `Software\Classes\AppUserModelId\`+aumid, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	defer k.Close()
	if err := k.SetStringValue("DisplayName", name); err != nil {
		return fmt.Errorf("set DisplayName: %w", err)
	}
	if err := k.SetStringValue("CustomActivator", activatorCLSID); err != nil {
		return fmt.Errorf("set CustomActivator: %w", err)
	}
	return nil
}

// pusher shows toasts one at a time on one OS thread.
func (b *toastBackend) pusher() {
	runtime.LockOSThread()
	for p := range b.pushes {
		p.reply <- pushToast(b.aumid, p.xml)
	}
}

// pushToast shows one toast. wintoast reports a COM failure by panicking
// inside; that becomes an error here.
func pushToast(aumid, xml string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("show toast: %v", v)
		}
	}()
	// No PowerShell fallback: its toasts cannot call back into the app,
	// so their buttons would do nothing.
	return wintoast.Push(aumid, xml)
}

func (b *toastBackend) capabilities() []string { return []string{"actions", "body"} }

func (b *toastBackend) mechanism() string { return "windows-toast" }

func (b *toastBackend) show(ctx context.Context, _ string, n Notification) (uint32, error) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return 0, ErrClosed
	}
	if b.failed != nil {
		err := b.failed
		b.mu.Unlock()
		return 0, fmt.Errorf("toasts failed before: %v: %w", err, ErrNoServer)
	}
	// Windows cannot update a toast in place through wintoast; a
	// replacement is a new toast with a new id.
	b.nextID++
	id := b.nextID
	b.mu.Unlock()
	doc, err := toastXML(id, n)
	if err != nil {
		return 0, err
	}
	p := push{xml: doc, reply: make(chan error, 1)}
	select {
	case b.pushes <- p:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if err := <-p.reply; err != nil {
		// Never a silent failure: from now on Show reports ErrNoServer
		// and the caller opens its prompt window instead.
		b.mu.Lock()
		b.failed = err
		b.mu.Unlock()
		return 0, fmt.Errorf("show toast: %v: %w", err, ErrNoServer)
	}
	b.mu.Lock()
	b.ours[id] = true
	b.mu.Unlock()
	return id, nil
}

// close forgets the toast: wintoast cannot withdraw one from the screen or
// the notification centre, and its buttons do nothing once forgotten.
func (b *toastBackend) close(ctx context.Context, id uint32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ours[id] {
		return fmt.Errorf("close notification %d: not one of ours", id)
	}
	delete(b.ours, id)
	return nil
}

func (b *toastBackend) run(ctx context.Context, events chan<- Event) error {
	defer func() {
		b.mu.Lock()
		b.done = true
		b.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case args := <-activations:
			id, key, err := parseToastArgs(args)
			if err != nil {
				continue // not ours, or damaged: nothing to do
			}
			b.mu.Lock()
			ours := b.ours[id]
			b.mu.Unlock()
			if !ours {
				continue // a toast of an earlier run, or withdrawn
			}
			select {
			case events <- Event{ID: id, Action: key}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
