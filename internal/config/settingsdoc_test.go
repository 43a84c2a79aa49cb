package config

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

// docFile holds the settings table; docBegin and docEnd enclose it.
const (
	docFile  = "../../docs/install.md"
	docBegin = "<!-- settings table: generated from internal/config/settings.go by `DESKDIAL_UPDATE_DOCS=1 go test ./internal/config -run TestSettingsDocumented`; do not edit -->"
	docEnd   = "<!-- end of settings table -->"
)

// settingsTable renders every setting (key, default, the field's line
// comment) as a Markdown table, from the Settings type itself.
func settingsTable(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "settings.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{} // Go field name: comment
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Settings" {
			return true
		}
		for _, fl := range ts.Type.(*ast.StructType).Fields.List {
			if fl.Comment != nil && len(fl.Names) == 1 {
				docs[fl.Names[0].Name] = strings.TrimSpace(fl.Comment.Text())
			}
		}
		return false
	})
	def := Default()
	var defaults map[string]any
	b, _ := json.Marshal(def)
	if err := json.Unmarshal(b, &defaults); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("| Key | Default | What it does |\n|---|---|---|\n")
	rt := reflect.TypeOf(def)
	for i := 0; i < rt.NumField(); i++ {
		fd := rt.Field(i)
		key := strings.Split(fd.Tag.Get("json"), ",")[0]
		doc := docs[fd.Name]
		if doc == "" {
			t.Errorf("setting %s (%s) has no line comment to document it", key, fd.Name)
		}
		d := "(empty)"
		if v, ok := defaults[key]; ok {
			d = "`" + fmt.Sprint(v) + "`"
		}
		fmt.Fprintf(&out, "| `%s` | %s | %s |\n", key, d, strings.ReplaceAll(doc, "|", `\|`))
	}
	return out.String()
}

// Every setting is documented in docs/install.md, and the table there is
// the one generated from the Settings type: it cannot drift.
func TestSettingsDocumented(t *testing.T) {
	want := settingsTable(t)
	b, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated settings table (%q ... %q)", docFile, docBegin, docEnd)
	}
	got := doc[i+len(docBegin)+1 : j]
	if got == want {
		return
	}
	if os.Getenv("DESKDIAL_UPDATE_DOCS") == "1" {
		doc = doc[:i+len(docBegin)+1] + want + doc[j:]
		if err := os.WriteFile(docFile, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the settings table in %s is out of date; run DESKDIAL_UPDATE_DOCS=1 go test ./internal/config -run TestSettingsDocumented\nwant:\n%s", docFile, want)
}
