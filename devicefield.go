package epicoauth

import (
	"crypto/rand"
	"encoding/hex"
)

// DeviceIDHeader is the HTTP header that names the device a token request
// comes from. Epic does not challenge a device id that has passed two-factor
// authentication again, and echoes it in the token as device_id. Set
// epic.Config.DeviceID to have it sent on every token request, refreshes
// included.
const DeviceIDHeader = "X-Epic-Device-ID"

// NewDeviceID returns a fresh random device id: 32 lowercase hexadecimal
// characters from crypto/rand, the shape Epic's own clients send. Generate one
// per installation, save it, and reuse it.
func NewDeviceID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read does not fail on supported platforms (Go 1.24+
		// crashes the program instead), so this is unreachable.
		panic("epicoauth: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
