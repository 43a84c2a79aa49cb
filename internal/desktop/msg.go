package desktop

import (
	"fmt"
	"sort"
	"strings"

	"github.com/deskdial/deskdial/internal/number"
)

// Msg is a text for the user: a translation key and its template data. The
// English text for every key lives in the app's translation files.
type Msg struct {
	Key  string
	Data map[string]any
}

// M makes a Msg from a key and name/value pairs.
func M(key string, kv ...any) Msg {
	m := Msg{Key: key}
	if len(kv) > 0 {
		m.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

// String is a stable, language-free rendering used in tests and logs:
// key{a=1 b=2}.
func (m Msg) String() string {
	if len(m.Data) == 0 {
		return m.Key
	}
	keys := make([]string, 0, len(m.Data))
	for k := range m.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(m.Key)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", k, m.Data[k])
	}
	b.WriteByte('}')
	return b.String()
}

// KeyLocalizer renders Msgs with Msg.String; for tests and for running
// without a translation catalogue.
type KeyLocalizer struct{}

// T implements Localizer.
func (KeyLocalizer) T(m Msg) string { return m.String() }

// FormatNumber shows an E.164 number the way people write it
// ("+49 30 1234567"); anything that does not parse is returned unchanged.
func FormatNumber(e164 string) string { return number.Display(e164) }
