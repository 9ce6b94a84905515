package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// Exit codes, documented in doc.go and the top-level usage: scripts branch
// on them, so they never change meaning.
const (
	exitOK          = 0   // the command did what it was asked
	exitError       = 1   // any other failure
	exitUsage       = 2   // bad command line: unknown command or flag, bad --client, missing --grant ...
	exitLogin       = 3   // a person must log in (again): epicoauth.ErrLoginRequired and its kin
	exitTemporary   = 4   // Epic throttled the request, failed (5xx) or was unreachable: try again later
	exitInterrupted = 130 // interrupted (Ctrl-C), as shells report SIGINT
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// loginError marks a failure that only a new login cures, such as a
// missing device-auth file; errors.Is matches it to ErrLoginRequired.
type loginError struct{ err error }

func (e *loginError) Error() string        { return e.err.Error() }
func (e *loginError) Unwrap() error        { return e.err }
func (e *loginError) Is(target error) bool { return target == epicoauth.ErrLoginRequired }

// exitCode classifies err into the exit codes above.
func exitCode(err error) int {
	var usage *usageError
	var curlErr *curlExitError
	var epicErr *epicoauth.Error
	var netErr net.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &curlErr):
		return curlErr.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, epicoauth.ErrLoginRequired), errors.Is(err, epic.ErrDeviceCodeExpired):
		return exitLogin
	case errors.As(err, &epicErr) && epicErr.Temporary():
		return exitTemporary
	case isCertificateError(err):
		return exitError // an untrusted server stays untrusted: retrying cannot help
	case errors.As(err, &netErr) && !isErrno(netErr), errors.Is(err, context.DeadlineExceeded):
		return exitTemporary
	}
	return exitError
}

// isErrno tells a bare syscall.Errno, which satisfies net.Error, from a
// network error: a local file error (a directory at --store, a missing
// permission) wraps one in an *fs.PathError and is not temporary, whereas
// the network wraps its errno in a *net.OpError or *url.Error, which
// errors.As finds first.
func isErrno(err error) bool {
	_, ok := err.(syscall.Errno)
	return ok
}

// isCertificateError reports whether err is a server certificate that
// failed verification (unknown CA, wrong host name, expired), which
// url.Error would otherwise make look like a temporary network error.
func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// hint is a line of advice printed after an error, by exit code.
func hint(err error) string {
	var epicErr *epicoauth.Error
	if isCertificateError(err) {
		return "The server's certificate is not trusted; for 'epictoken fake --tls', pass its CA with --ca FILE."
	}
	switch exitCode(err) {
	case exitUsage:
		return "Run 'epictoken --help' for usage."
	case exitLogin:
		if errors.As(err, &epicErr) && epicErr.ContinuationURL != "" {
			return "Epic needs you to act first: open " + epicErr.ContinuationURL
		}
		return "Log in again with 'epictoken login'."
	case exitTemporary:
		if errors.As(err, &epicErr) && epicErr.RetryAfter > 0 {
			return "Epic asks to wait " + epicErr.RetryAfter.String() + " before trying again."
		}
		return "This may be temporary: try again later."
	}
	return ""
}
