package assets

import (
	"bytes"
	"encoding/json"
	"image/png"
	"sort"
	"testing"
)

func TestIconsDecode(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"app", AppIcon()}, {"idle", TrayIcon("idle")}, {"calling", TrayIcon("calling")},
		{"offline", TrayIcon("offline")}, {"error", TrayIcon("error")}, {"template", TemplateIcon()},
	} {
		img, err := png.Decode(bytes.NewReader(tt.b))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 32 {
			t.Errorf("%s: %v is not a square icon", tt.name, b)
		}
	}
	if bytes.Equal(TrayIcon("idle"), TrayIcon("calling")) {
		t.Error("idle and calling icons are the same")
	}
}

// Every language has every key.
func TestTranslationsComplete(t *testing.T) {
	keys := map[string]map[string]string{}
	for _, l := range Languages {
		b, err := Translations.ReadFile(TranslationsDir + "/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		keys[l] = m
	}
	for _, l := range Languages[1:] {
		var missing, extra []string
		for k := range keys["en"] {
			if keys[l][k] == "" {
				missing = append(missing, k)
			}
		}
		for k := range keys[l] {
			if _, ok := keys["en"][k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s: missing %q, unknown %q", l, missing, extra)
		}
	}
}
