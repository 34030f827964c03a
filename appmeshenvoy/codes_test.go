package appmeshenvoy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// TestEveryCodeIsExported: each code of internal/errcode has a Code<Name> constant here
// with its value, so users can match every code the module returns.
func TestEveryCodeIsExported(t *testing.T) {
	internal := constNames(t, filepath.Join("..", "internal", "errcode", "errcode.go"), "")
	exported := constNames(t, "codes.go", "errcode.")
	if len(internal) < 30 {
		t.Fatalf("found only %d codes in internal/errcode", len(internal))
	}
	for name := range internal {
		if exported["Code"+name] != name {
			t.Errorf("errcode.%s has no appmeshenvoy.Code%s = errcode.%s", name, name, name)
		}
	}
	for name := range exported {
		if _, ok := internal[exported[name]]; !ok {
			t.Errorf("%s re-exports errcode.%s, which does not exist", name, exported[name])
		}
	}
	if appmeshenvoy.CodeParameterNotFound != "parameter-not-found" {
		t.Error("codes changed value")
	}
}

// constNames returns the constants of type Code declared in file: name → the name of the
// errcode constant it is set to (wantPrefix "errcode."), or name → name.
func constNames(t *testing.T, file, wantPrefix string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if wantPrefix == "" {
					out[n.Name] = n.Name
					continue
				}
				if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok {
					out[n.Name] = sel.Sel.Name
				}
			}
		}
	}
	return out
}
