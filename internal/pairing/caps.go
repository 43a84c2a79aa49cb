package pairing

import (
	"encoding/json"
	"fmt"

	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// maxCapsText bounds each string (key or value) in a capabilities document.
const maxCapsText = 64

// checkCaps accepts a join's capabilities: a JSON object whose keys and
// string values are short text without control characters, and whose
// "backend", if any, is a backend name. The desktop stores them and prints
// them (`deskdial phones`), so they are checked where they enter.
func checkCaps(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var caps map[string]any
	if err := json.Unmarshal(raw, &caps); err != nil {
		return fmt.Errorf("%w: capabilities are not a JSON object", ErrBadMessage)
	}
	if b, ok := caps["backend"]; ok {
		s, isStr := b.(string)
		if !isStr {
			return fmt.Errorf("%w: capabilities: backend is not a string", ErrBadMessage)
		}
		if err := protocol.CheckBackend(s); err != nil {
			return fmt.Errorf("%w: capabilities: %v", ErrBadMessage, err)
		}
	}
	return checkCapsText(caps, 0)
}

func checkCapsText(v any, depth int) error {
	if depth > 4 {
		return fmt.Errorf("%w: capabilities nested too deeply", ErrBadMessage)
	}
	switch v := v.(type) {
	case string:
		if err := textsafe.Check(v, maxCapsText); err != nil {
			return fmt.Errorf("%w: capabilities: %v", ErrBadMessage, err)
		}
	case map[string]any:
		for k, e := range v {
			if err := checkCapsText(k, depth+1); err != nil {
				return err
			}
			if err := checkCapsText(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkCapsText(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
