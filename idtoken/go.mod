module github.com/epicoauth/epicoauth/idtoken

// go-oidc v3.21.0 (the first release that keeps a key set when one of its
// keys is unreadable) needs go 1.25.0 and golang.org/x/oauth2 v0.36.0. This
// module's line can be newer than the core's (go 1.24.0), which stays as it
// is for programs that do not import idtoken.
go 1.25.0

require (
	github.com/coreos/go-oidc/v3 v3.21.0
	github.com/epicoauth/epicoauth v0.0.0
	github.com/go-jose/go-jose/v4 v4.1.4
	github.com/stretchr/testify v1.11.1
)

require (
	github.com/gofrs/flock v0.13.0 // indirect
	golang.org/x/sys v0.37.0 // indirect
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/oauth2 v0.36.0
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/epicoauth/epicoauth => ../
