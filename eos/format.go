package eos

import (
	"fmt"
	"log/slog"
)

// The types of this package that hold a secret print through their redacted
// String with every fmt verb: String and GoString cover %v, %+v and %#v,
// Format also covers %d, %x and the rest, which would otherwise print the
// struct's fields one by one.

// Format prints the redacted String whatever the verb.
func (c Config) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// Format prints the redacted String whatever the verb.
func (g externalAuthFrom) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), g.String())
}

// LogValue makes log/slog print the redacted form.
func (g externalAuthFrom) LogValue() slog.Value { return slog.StringValue(g.String()) }

// Format prints the redacted String whatever the verb.
func (c AuthConfig) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}
