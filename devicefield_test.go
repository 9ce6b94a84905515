package epicoauth_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/epicoauth/epicoauth"
)

func TestNewDeviceID(t *testing.T) {
	assert.Equal(t, "X-Epic-Device-ID", epicoauth.DeviceIDHeader)
	shape := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 100 {
		id := epicoauth.NewDeviceID()
		assert.Regexp(t, shape, id)
		assert.False(t, seen[id], "NewDeviceID repeated %s", id)
		seen[id] = true
	}
}
