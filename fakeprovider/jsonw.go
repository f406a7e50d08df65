package fakeprovider

import (
	"strconv"
	"unicode/utf8"
)

// The provider writes its JSON by hand with these appenders: the objects
// are few and fixed, and encoding/json's reflection would dominate the
// cost of a request.

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string, escaping what JSON requires plus
// <, > and & (as encoding/json does) so that bodies are safe to embed.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendStrOrNull appends s, or null when s is empty.
func appendStrOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendStr(b, s)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendIntOrNull appends n, or null when n is zero.
func appendIntOrNull(b []byte, n int64) []byte {
	if n == 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, n, 10)
}

func appendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// appendKey appends ,"k": (the caller writes the first key of an object).
func appendKey(b []byte, k string) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendMetadata appends a metadata object; keys are kept sorted.
func appendMetadata(b []byte, md []pair) []byte {
	b = append(b, '{')
	for i, p := range md {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, p.key)
		b = append(b, ':')
		b = appendStr(b, p.val)
	}
	return append(b, '}')
}

// appendStrList appends a JSON array of strings.
func appendStrList(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, s)
	}
	return append(b, ']')
}
