package media_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Where uploaded bytes live is behind one interface, Store, so that
// object storage (S3 and the like) can take the folder's place by adding
// one implementation: in this package only the folder's own file
// (store.go) touches the file system, and elsewhere a Folder is only
// made, where the program is wired (web.New, the binary), never used
// directly.
func TestOnlyTheFolderStoreTouchesFiles(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "store.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "os" && sel.Sel.Name != "ErrNotExist" {
				t.Errorf("%s: os.%s outside the folder store", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}

	// The wiring: web.New, and the binary that reads the configuration.
	wiring := func(rel string) bool { return rel == "web/web.go" || strings.HasPrefix(rel, "cmd/village/") }
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == filepath.Join("web", "media") || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "media" && (sel.Sel.Name == "Folder" || sel.Sel.Name == "NewFolder") &&
				!wiring(filepath.ToSlash(rel)) {
				t.Errorf("%s: media.%s used outside the wiring: go through media.Store", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
