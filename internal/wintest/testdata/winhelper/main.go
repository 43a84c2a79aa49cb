//go:build windows

// winhelper plays the other Windows programs in deskdial's Wine tests: it
// copies text the way an editor or a password manager does, holds a global
// hotkey the way another program would, presses keys, and lists tray icons.
//
//	winhelper copy TEXT [exclude|history0|history1|ignore]
//	winhelper hold MODS VK     (hex; holds until stdin closes)
//	winhelper press MODS VK    (hex; types the combination with SendInput)
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	openClipboard           = user32.NewProc("OpenClipboard")
	closeClipboard          = user32.NewProc("CloseClipboard")
	emptyClipboard          = user32.NewProc("EmptyClipboard")
	setClipboardData        = user32.NewProc("SetClipboardData")
	registerClipboardFormat = user32.NewProc("RegisterClipboardFormatW")
	registerHotKey          = user32.NewProc("RegisterHotKey")
	sendInput               = user32.NewProc("SendInput")
	globalAlloc             = kernel32.NewProc("GlobalAlloc")
	globalLock              = kernel32.NewProc("GlobalLock")
	globalUnlock            = kernel32.NewProc("GlobalUnlock")
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "winhelper:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: winhelper copy|hold|press ...")
	}
	switch args[0] {
	case "copy":
		if len(args) < 2 {
			return fmt.Errorf("copy TEXT [mark]")
		}
		mark := ""
		if len(args) > 2 {
			mark = args[2]
		}
		return copyText(args[1], mark)
	case "hold", "press":
		if len(args) != 3 {
			return fmt.Errorf("%s MODS VK", args[0])
		}
		mods, err1 := strconv.ParseUint(args[1], 0, 32)
		vk, err2 := strconv.ParseUint(args[2], 0, 16)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad number in %q %q", args[1], args[2])
		}
		if args[0] == "hold" {
			return hold(uintptr(mods), uintptr(vk))
		}
		return press(uint16(mods), uint16(vk))
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func global(b []byte) (uintptr, error) {
	h, _, err := globalAlloc.Call(0x0002, uintptr(len(b)))
	if h == 0 {
		return 0, err
	}
	p, _, _ := globalLock.Call(h)
	copy(unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), len(b)), b)
	globalUnlock.Call(h)
	return h, nil
}

func format(name string) uintptr {
	n, _ := windows.UTF16PtrFromString(name)
	f, _, _ := registerClipboardFormat.Call(uintptr(unsafe.Pointer(n)))
	return f
}

func copyText(text, mark string) error {
	var ok uintptr
	for i := 0; i < 100 && ok == 0; i++ {
		if ok, _, _ = openClipboard.Call(0); ok == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if ok == 0 {
		return fmt.Errorf("clipboard stays busy")
	}
	defer closeClipboard.Call()
	emptyClipboard.Call()
	u, _ := windows.UTF16FromString(text)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&u[0])), len(u)*2)
	h, err := global(b)
	if err != nil {
		return err
	}
	if r, _, err := setClipboardData.Call(13, h); r == 0 {
		return fmt.Errorf("SetClipboardData: %v", err)
	}
	var f uintptr
	var data []byte
	switch mark {
	case "":
		return nil
	case "exclude":
		f, data = format("ExcludeClipboardContentFromMonitorProcessing"), []byte{0}
	case "ignore":
		f, data = format("Clipboard Viewer Ignore"), []byte{0}
	case "history0":
		f, data = format("CanIncludeInClipboardHistory"), []byte{0, 0, 0, 0}
	case "history1":
		f, data = format("CanIncludeInClipboardHistory"), []byte{1, 0, 0, 0}
	default:
		return fmt.Errorf("unknown mark %q", mark)
	}
	h, err = global(data)
	if err != nil {
		return err
	}
	if r, _, err := setClipboardData.Call(f, h); r == 0 {
		return fmt.Errorf("SetClipboardData(%s): %v", mark, err)
	}
	return nil
}

func hold(mods, vk uintptr) error {
	if r, _, err := registerHotKey.Call(0, 7, mods, vk); r == 0 {
		return fmt.Errorf("RegisterHotKey: %v", err)
	}
	fmt.Println("held")
	bufio.NewReader(os.Stdin).ReadString('\n')
	return nil
}

// keyInput is INPUT with a KEYBDINPUT, as SendInput wants it on amd64.
type keyInput struct {
	typ       uint32
	_         uint32
	vk, scan  uint16
	flags     uint32
	time      uint32
	extraInfo uintptr
	_         [8]byte
}

func press(mods, vk uint16) error {
	var keys []uint16
	for _, m := range []struct {
		bit uint16
		vk  uint16
	}{{2, 0x11}, {1, 0x12}, {4, 0x10}, {8, 0x5B}} {
		if mods&m.bit != 0 {
			keys = append(keys, m.vk)
		}
	}
	keys = append(keys, vk)
	var in []keyInput
	for _, k := range keys {
		in = append(in, keyInput{typ: 1, vk: k})
	}
	for i := len(keys) - 1; i >= 0; i-- {
		in = append(in, keyInput{typ: 1, vk: keys[i], flags: 2})
	}
	n, _, err := sendInput.Call(uintptr(len(in)), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
	if int(n) != len(in) {
		return fmt.Errorf("SendInput: %d of %d: %v", n, len(in), err)
	}
	return nil
}
