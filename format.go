package epicoauth

import (
	"fmt"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// Format makes every fmt verb print the grant's redacted String, so that
// not even %d or %x on the struct reaches a value.
func (g staticGrant) Format(f fmt.State, verb rune) { redact.Format(f, verb, g.String()) }
