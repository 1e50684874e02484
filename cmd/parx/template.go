package main

import (
	"fmt"
	"strconv"
	"strings"
)

// A template is the command given on the command line, compiled once and expanded for
// each job into a [command].
//
// The command's words are joined with spaces into one command line, as GNU parallel
// does, so that shell syntax given as separate words (parx 'grep x {} | wc -l' or
// parx grep x {} '|' wc -l) works. When that line contains no shell syntax outside
// the replacement strings, the job runs directly: the line is split on blanks, and
// each substituted value stays within its word, whatever it contains (see
// [needsShell]). That is the same command as the shell would run, without the cost of
// a shell. Otherwise the line runs with /bin/sh -c, each value single-quoted
// ([shellQuote]).
type template struct {
	line    []token   // the whole command line
	words   [][]token // the words to execute directly; nil when the command needs a shell
	quoted  bool      // -q: the words are the command's arguments as given, never split
	append  bool      // no input replacement string: the inputs are appended
	prog    string    // the program, when the first word is fixed text; "" otherwise
	sources int       // the number of input sources
}

// A token is literal text or a replacement string.
type token struct {
	kind   tokenKind
	text   string   // the literal text (tokText)
	source int      // tokInput: 0 for all the inputs ({}), N for the Nth source ({N})
	mod    modifier // tokInput: the transformation of the value
}

type tokenKind uint8

const (
	tokText  tokenKind = iota
	tokInput           // {} {.} {/} {//} {/.} and {N} {N.} {N/} {N//} {N/.}
	tokSeq             // {#}
	tokSlot            // {%}
)

// A modifier transforms an input value, as GNU parallel's replacement strings do.
type modifier uint8

const (
	modNone      modifier = iota // {}
	modNoExt                     // {.}
	modBase                      // {/}
	modDir                       // {//}
	modBaseNoExt                 // {/.}
	numModifiers
)

var modSuffix = [numModifiers]string{"", ".", "/", "//", "/."}

// apply returns s transformed by m. The rules are GNU parallel's: {.} removes the last
// extension of the last path element (s:\.[^/.]*$::), {/} everything up to the last
// slash (s:.*/::), {//} is Perl's dirname, and {/.} is {/} then {.}.
func (m modifier) apply(s string) string {
	switch m {
	case modNoExt:
		return removeExt(s)
	case modBase:
		return baseName(s)
	case modDir:
		return dirName(s)
	case modBaseNoExt:
		return removeExt(baseName(s))
	}
	return s
}

// removeExt removes a final ".ext" that contains no slash or dot ("a.tar.gz" -> "a.tar",
// ".bashrc" -> "", "a.d/b" unchanged).
func removeExt(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case '.':
			return s[:i]
		case '/':
			return s
		}
	}
	return s
}

// baseName removes everything up to the last slash ("a/b" -> "b", "a/" -> "").
func baseName(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

// dirName is Perl's File::Basename::dirname, which GNU parallel's {//} uses: trailing
// slashes are ignored, a name without a slash is in ".", and the root is "/".
func dirName(s string) string {
	t := strings.TrimRight(s, "/")
	if t == "" {
		if s == "" {
			return "."
		}
		return "/"
	}
	i := strings.LastIndexByte(t, '/')
	if i < 0 {
		return "."
	}
	if d := strings.TrimRight(t[:i], "/"); d != "" {
		return d
	}
	return "/"
}

// parseTokens splits s into literal text and replacement strings. A brace that does
// not start a replacement string is literal text, so that awk '{print $1}' is left
// alone.
func parseTokens(s string) []token {
	var toks []token
	lit := 0 // start of the pending literal text
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		end := strings.IndexByte(s[i+1:], '}')
		if end < 0 {
			break
		}
		tok, ok := parseReplacement(s[i+1 : i+1+end])
		if !ok {
			continue
		}
		if lit < i {
			toks = append(toks, token{kind: tokText, text: s[lit:i]})
		}
		toks = append(toks, tok)
		i += end + 1
		lit = i + 1
	}
	if lit < len(s) {
		toks = append(toks, token{kind: tokText, text: s[lit:]})
	}
	return toks
}

// parseReplacement parses the inside of a pair of braces.
func parseReplacement(in string) (token, bool) {
	switch in {
	case "#":
		return token{kind: tokSeq}, true
	case "%":
		return token{kind: tokSlot}, true
	}
	digits := 0
	for digits < len(in) && in[digits] >= '0' && in[digits] <= '9' {
		digits++
	}
	tok := token{kind: tokInput}
	if digits > 0 {
		n, err := strconv.Atoi(in[:digits])
		if err != nil || n < 1 {
			return token{}, false
		}
		tok.source = n
	}
	for m, suffix := range modSuffix {
		if in[digits:] == suffix {
			tok.mod = modifier(m)
			return tok, true
		}
	}
	return token{}, false
}

// compileTemplate compiles the command words for inputs from the given number of
// sources. With quoted (-q), the words are the program and its arguments as given;
// otherwise they are joined into a command line, which runs directly when it needs no
// shell and forceShell is false.
func compileTemplate(words []string, sources int, quoted, forceShell bool) (*template, error) {
	if strings.TrimSpace(strings.Join(words, "")) == "" {
		return nil, fmt.Errorf("no command given (see parx --help)")
	}
	t := &template{sources: sources, quoted: quoted}
	t.line = parseTokens(strings.Join(words, " "))
	if quoted {
		for _, w := range words {
			t.words = append(t.words, parseTokens(w))
		}
	} else if !forceShell && !needsShell(t.line) {
		t.words = splitWords(t.line)
	}
	t.append = true
	for _, tok := range t.line {
		if tok.kind == tokInput {
			t.append = false
			if tok.source > sources {
				have := fmt.Sprintf("there are only %d input sources", sources)
				if sources == 1 {
					have = "there is only 1 input source"
				}
				return nil, fmt.Errorf("the command uses {%d}, but %s", tok.source, have)
			}
		}
	}
	if t.words != nil {
		if len(t.words[0]) == 1 && t.words[0][0].kind == tokText {
			t.prog = t.words[0][0].text
		} else if len(t.words[0]) == 0 {
			return nil, fmt.Errorf("the command's first word is empty")
		}
	}
	return t, nil
}

// needsShell reports whether the command line needs /bin/sh: whether its literal text
// has anything that the shell would treat specially, or starts with a variable
// assignment or a word that only a shell can run (a reserved word or a built-in
// without an executable of its own, like cd or export). Replacement strings never
// need one: their values are quoted for the shell, so they are single words.
func needsShell(line []token) bool {
	first := true    // in the first word
	firstWord := ""  // its literal text
	dynamic := false // the first word has a replacement string
	for _, tok := range line {
		if tok.kind != tokText {
			if first {
				dynamic = true
			}
			continue
		}
		for i := 0; i < len(tok.text); i++ {
			c := tok.text[i]
			switch {
			case c == ' ' || c == '\t':
				if first && (firstWord != "" || dynamic) {
					first = false
				}
			case c == '=':
				if first {
					return true // FOO=bar cmd: an assignment
				}
			case isWordByte(c):
				if first {
					firstWord += string(c)
				}
			default:
				return true
			}
		}
	}
	return !dynamic && shellOnly[firstWord]
}

// isWordByte reports whether the shell takes c literally anywhere in a word. '=' is
// too, except in the first word. Bytes of multi-byte UTF-8 characters are.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("_-./,:@%+", c) >= 0 || c >= 0x80
}

// shellOnly lists the commands that must run in a shell: reserved words, special
// built-ins, and built-ins that change the shell or have no executable.
var shellOnly = map[string]bool{
	"case": true, "do": true, "done": true, "elif": true, "else": true, "esac": true,
	"fi": true, "for": true, "if": true, "in": true, "then": true, "until": true,
	"while": true, "function": true, "select": true, "time": true,
	".": true, ":": true, "break": true, "continue": true, "eval": true, "exec": true,
	"exit": true, "export": true, "readonly": true, "return": true, "set": true,
	"shift": true, "times": true, "trap": true, "unset": true,
	"alias": true, "bg": true, "cd": true, "command": true, "fg": true, "getopts": true,
	"hash": true, "jobs": true, "local": true, "read": true, "source": true,
	"type": true, "ulimit": true, "umask": true, "unalias": true, "wait": true,
}

// splitWords splits a command line that needs no shell into words at blanks.
func splitWords(line []token) [][]token {
	var words [][]token
	var cur []token
	flush := func() {
		if cur != nil {
			words = append(words, cur)
			cur = nil
		}
	}
	for _, tok := range line {
		if tok.kind != tokText {
			cur = append(cur, tok)
			continue
		}
		s := tok.text
		for s != "" {
			i := strings.IndexAny(s, " \t")
			if i < 0 {
				cur = append(cur, token{kind: tokText, text: s})
				break
			}
			if i > 0 {
				cur = append(cur, token{kind: tokText, text: s[:i]})
			}
			flush()
			s = strings.TrimLeft(s[i:], " \t")
		}
	}
	flush()
	return words
}

// A command is a job's command.
type command struct {
	line string   // the command line for /bin/sh -c, shown by --dry-run and in the job log
	argv []string // the program and its arguments, to run directly; nil to run line with /bin/sh -c
}

// expand returns the command for a job with the given inputs (one per source), job
// number and slot.
func (t *template) expand(args []string, seq, slot int) command {
	var c command
	if t.words != nil {
		for _, w := range t.words {
			c.argv = appendWord(c.argv, w, args, seq, slot)
		}
		if t.append {
			c.argv = append(c.argv, args...)
		}
	}
	if t.quoted {
		q := make([]string, len(c.argv))
		for i, a := range c.argv {
			q[i] = shellQuote(a)
		}
		c.line = strings.Join(q, " ")
		return c
	}
	var b strings.Builder
	for _, tok := range t.line {
		if tok.kind == tokText {
			b.WriteString(tok.text)
			continue
		}
		for i, v := range values(tok, args, seq, slot) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(shellQuote(v))
		}
	}
	if t.append {
		for _, a := range args {
			b.WriteByte(' ')
			b.WriteString(shellQuote(a))
		}
	}
	c.line = b.String()
	return c
}

// appendWord appends the expansion of the word w to argv. A replacement string with
// several values (the {} of several input sources) splits the word, as it does in the
// shell: x{}y with inputs a and b gives the words xa and by.
func appendWord(argv []string, w []token, args []string, seq, slot int) []string {
	if len(w) == 1 {
		if w[0].kind == tokText {
			return append(argv, w[0].text)
		}
		return append(argv, values(w[0], args, seq, slot)...)
	}
	var b strings.Builder
	for _, tok := range w {
		if tok.kind == tokText {
			b.WriteString(tok.text)
			continue
		}
		for i, v := range values(tok, args, seq, slot) {
			if i > 0 {
				argv = append(argv, b.String())
				b.Reset()
			}
			b.WriteString(v)
		}
	}
	return append(argv, b.String())
}

// values returns the values that the replacement string tok stands for.
func values(tok token, args []string, seq, slot int) []string {
	switch tok.kind {
	case tokSeq:
		return []string{strconv.Itoa(seq)}
	case tokSlot:
		return []string{strconv.Itoa(slot)}
	case tokInput:
		if tok.source > 0 {
			return []string{tok.mod.apply(args[tok.source-1])}
		}
		if tok.mod == modNone {
			return args
		}
		vs := make([]string, len(args))
		for i, a := range args {
			vs[i] = tok.mod.apply(a)
		}
		return vs
	}
	return []string{tok.text}
}

// shellQuote quotes s for the shell: it is left as it is when the shell would take it
// literally as one word, and single-quoted otherwise, with each single quote in it
// written as a closing quote, an escaped quote and an opening quote:
//
//	it's -> 'it'\''s'
//
// Any byte string is safe, newlines included.
func shellQuote(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		safe = c < 0x80 && isWordByte(c)
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
