module github.com/epicoauth/epicoauth

// go 1.24 is the oldest release the code needs: golang.org/x/oauth2 v0.35.0 is
// the newest x/oauth2 that still supports Go 1.24 (v0.36.0 needs 1.25, v0.37.0
// needs 1.26), and nothing we use from the standard library is newer. Raising
// this line forces every importer onto a newer toolchain, so do it only for a
// feature we really need.
go 1.24.0

require golang.org/x/oauth2 v0.35.0

// gofrs/flock takes FileStore's OS file lock. v0.13.0 is the newest that
// keeps go 1.24 (v0.13.1 needs a newer Go).
require github.com/gofrs/flock v0.13.0

require golang.org/x/sys v0.37.0 // indirect

// rsc.io/qr draws the QR code of 'epictoken login'. Only cmd/epictoken
// imports it: programs that import the library never build it.
require rsc.io/qr v0.2.0

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
