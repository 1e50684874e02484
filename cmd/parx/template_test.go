package main

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// The expected values are GNU parallel 20221122's (parallel --dry-run).
func TestModifiers(t *testing.T) {
	tests := []struct {
		in, noExt, base, dir, baseNoExt string
	}{
		{"a b/c.d.e", "a b/c.d", "c.d.e", "a b", "c.d"},
		{".bashrc", "", ".bashrc", ".", ""},
		{"/x", "/x", "x", "/", "x"},
		{"foo/", "foo/", "", ".", ""},
		{"it's", "it's", "it's", ".", "it's"},
		{"", "", "", ".", ""},
		{"dir.d/file", "dir.d/file", "file", "dir.d", "file"},
		{"a.tar.gz", "a.tar", "a.tar.gz", ".", "a.tar"},
		{"/", "/", "", "/", ""},
		{"//", "//", "", "/", ""},
		{"a//b", "a//b", "b", "a", "b"},
		{"a/b//c", "a/b//c", "c", "a/b", "c"},
		{"a/b/", "a/b/", "", "a", ""},
		{"..", ".", "..", ".", "."},
		{"x.", "x", "x.", ".", "x"},
	}
	for _, tt := range tests {
		got := []string{modNoExt.apply(tt.in), modBase.apply(tt.in), modDir.apply(tt.in), modBaseNoExt.apply(tt.in)}
		want := []string{tt.noExt, tt.base, tt.dir, tt.baseNoExt}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: {.} {/} {//} {/.} = %q; want %q", tt.in, got, want)
		}
		if got := modNone.apply(tt.in); got != tt.in {
			t.Errorf("%q: {} = %q", tt.in, got)
		}
	}
}

func TestParseTokens(t *testing.T) {
	txt := func(s string) token { return token{kind: tokText, text: s} }
	in := func(src int, m modifier) token { return token{kind: tokInput, source: src, mod: m} }
	tests := []struct {
		s    string
		want []token
	}{
		{"echo {}", []token{txt("echo "), in(0, modNone)}},
		{"{.}{/}{//}{/.}", []token{in(0, modNoExt), in(0, modBase), in(0, modDir), in(0, modBaseNoExt)}},
		{"{1}-{2.}-{12/.}", []token{in(1, modNone), txt("-"), in(2, modNoExt), txt("-"), in(12, modBaseNoExt)}},
		{"x{#}y{%}", []token{txt("x"), {kind: tokSeq}, txt("y"), {kind: tokSlot}}},
		{"awk '{print $1}' {}", []token{txt("awk '{print $1}' "), in(0, modNone)}},
		{"{0} {-1} { } {a} {", []token{txt("{0} {-1} { } {a} {")}},
		{"{{}}", []token{txt("{"), in(0, modNone), txt("}")}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseTokens(tt.s); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseTokens(%q) = %+v; want %+v", tt.s, got, tt.want)
		}
	}
}

func TestNeedsShell(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"echo {}", false},
		{"gzip -k {}", false},
		{"cmd --opt=1 -x,y:z@w%v+u {} {.}.out", false},
		{"  echo\t{}  ", false},
		{"{} --version", false},
		{"{}=x", true},
		{"ünï {}", false},
		{"echo {} | wc", true},
		{"echo {} > out", true},
		{"a && b", true},
		{"a; b", true},
		{"echo $HOME", true},
		{"echo `id`", true},
		{"echo 'a b'", true},
		{`echo "a"`, true},
		{`echo a\b`, true},
		{"ls *.go", true},
		{"ls ?", true},
		{"ls [ab]", true},
		{"echo ~", true},
		{"echo # comment", true},
		{"echo (x)", true},
		{"echo !x", true},
		{"echo {a,b}", true},
		{"echo a\nb", true},
		{"FOO=1 cmd", true},
		{"cd {}", true},
		{"exit 3", true},
		{"export X", true},
		{"if", true},
		{"wait", true},
		{"echo cd", false},
	}
	for _, tt := range tests {
		if got := needsShell(parseTokens(tt.line)); got != tt.want {
			t.Errorf("needsShell(%q) = %v; want %v", tt.line, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name    string
		words   []string
		sources int
		quoted  bool
		shell   bool
		args    []string
		line    string
		argv    []string // nil: runs with the shell
	}{
		{"append", []string{"echo"}, 1, false, false, []string{"a b"}, "echo 'a b'", []string{"echo", "a b"}},
		{"append several", []string{"echo", "x"}, 2, false, false, []string{"a b", "c"}, "echo x 'a b' c", []string{"echo", "x", "a b", "c"}},
		{"in a word", []string{"cp {} {.}.bak"}, 1, false, false, []string{"d/f g.txt"}, "cp 'd/f g.txt' 'd/f g'.bak", []string{"cp", "d/f g.txt", "d/f g.bak"}},
		{"several in a word", []string{"echo x{}y"}, 2, false, false, []string{"a b", "c"}, "echo x'a b' cy", []string{"echo", "xa b", "cy"}},
		{"positional", []string{"echo {2}{1} {1/}"}, 2, false, false, []string{"d/a", "b"}, "echo bd/a a", []string{"echo", "bd/a", "a"}},
		{"seq and slot", []string{"echo {#}-{%} {}"}, 1, false, false, []string{"x"}, "echo 7-3 x", []string{"echo", "7-3", "x"}},
		{"empty value", []string{"echo [{}]"}, 1, false, false, []string{""}, "echo ['']", nil},
		{"empty value direct", []string{"echo", "{}"}, 1, false, false, []string{""}, "echo ''", []string{"echo", ""}},
		{"shell", []string{"echo {} | wc -c"}, 1, false, false, []string{"it's"}, `echo 'it'\''s' | wc -c`, nil},
		{"forced shell", []string{"echo {}"}, 1, false, true, []string{"$x"}, `echo '$x'`, nil},
		{"hostile", []string{"printf %s {}"}, 1, false, false, []string{"a\n'b`$(c)"}, "printf %s 'a\n'\\''b`$(c)'", []string{"printf", "%s", "a\n'b`$(c)"}},
		{"quoted", []string{"printf", `%s\n`, "{}", ""}, 1, true, false, []string{"a b"}, `printf '%s\n' 'a b' ''`, []string{"printf", `%s\n`, "a b", ""}},
		{"quoted append", []string{"echo", "a|b"}, 1, true, false, []string{"c"}, "echo 'a|b' c", []string{"echo", "a|b", "c"}},
		{"brace literal", []string{"awk", "'{print $1}'", "{}"}, 1, false, false, []string{"f"}, "awk '{print $1}' f", nil},
	}
	for _, tt := range tests {
		tmpl, err := compileTemplate(tt.words, tt.sources, tt.quoted, tt.shell)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		c := tmpl.expand(tt.args, 7, 3)
		if c.line != tt.line || !reflect.DeepEqual(c.argv, tt.argv) {
			t.Errorf("%s: expand = %q %q; want %q %q", tt.name, c.line, c.argv, tt.line, tt.argv)
		}
	}
}

func TestCompileTemplateErrors(t *testing.T) {
	tests := []struct {
		words   []string
		sources int
		quoted  bool
		want    string
	}{
		{nil, 1, false, "no command"},
		{[]string{"", " "}, 1, false, "no command"},
		{[]string{"echo {3}"}, 2, false, "there are only 2 input sources"},
		{[]string{"", "x"}, 1, true, "first word is empty"},
	}
	for _, tt := range tests {
		_, err := compileTemplate(tt.words, tt.sources, tt.quoted, false)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compileTemplate(%q) error = %v; want %q", tt.words, err, tt.want)
		}
	}
}

// TestShellQuoteRoundTrip checks with the real shell that a quoted value is one word
// with the value, whatever bytes it holds.
func TestShellQuoteRoundTrip(t *testing.T) {
	values := []string{
		"", "a", "a b", "it's", "'", "''", `"`, "$HOME", "`id`", "$(id)", "a\nb", "\t",
		"-n", "*", "~", "#x", "a\\b", "ünï", "{}", "a=b", "!", ";", "&", "|", "<>", "()",
		"\x01\x7f\xff", "'\\''",
	}
	var script strings.Builder
	script.WriteString("printf '%s\\0'")
	for _, v := range values {
		script.WriteString(" " + shellQuote(v))
	}
	out, err := exec.Command("/bin/sh", "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !reflect.DeepEqual(got, values) {
		t.Errorf("through /bin/sh: %q; want %q", got, values)
	}
	for _, v := range []string{"a", "x-y_z.tar.gz", "/a/b,c:d@e%f+g"} {
		if q := shellQuote(v); q != v {
			t.Errorf("shellQuote(%q) = %q; want it unquoted", v, q)
		}
	}
}
