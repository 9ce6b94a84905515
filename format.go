package epicoauth

import "fmt"

// Format makes every fmt verb print the grant's redacted String, so that
// not even %d or %x on the struct reaches a value.
func (g staticGrant) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), g.String())
}
