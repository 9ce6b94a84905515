package epic_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// Bodies with no recorded fixture, built from the fact sheet (section 5.5
// and 6.1) in the envelope of the recorded token-endpoint errors.
var (
	// "PIN grant data not found." is the documented answer for an expired
	// or unknown device code.
	bodyDeviceCodeNotFound = []byte(`{"errorCode":"errors.com.epicgames.not_found","errorMessage":"PIN grant data not found.","messageVars":[],"numericErrorCode":1004,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
	// Verbatim from xMistt/DeviceAuthGenerator#11: a poll from a client
	// other than the one that created the code.
	bodyClientMismatch = []byte(`{"errorCode":"errors.com.epicgames.common.oauth.invalid_token","errorMessage":"Client id mismatch in credentials for this pin grant","messageVars":[],"numericErrorCode":1012,"originatingService":"com.epicgames.account.public","intent":"prod","error_description":"Client id mismatch in credentials for this pin grant","error":"invalid_grant"}`)
	// A token-endpoint corrective action: the fields are those legendary
	// and fortnitepy read (fact sheet 6.1); the continuation URL is made up.
	bodyCorrectiveAction = []byte(`{"errorCode":"errors.com.epicgames.oauth.corrective_action_required","errorMessage":"Corrective action is required to continue.","messageVars":[],"numericErrorCode":18206,"originatingService":"com.epicgames.account.public","intent":"prod","correctiveAction":"PRIVACY_POLICY_ACCEPTANCE","continuation":"88888888888888888888888888888888","continuationUrl":"https://www.epicgames.com/id/continue?continuation=88888888888888888888888888888888"}`)
)

// pollAnswer is one answer of the fake token endpoint to a device_code poll.
type pollAnswer struct {
	status int
	body   []byte
	header http.Header
}

var (
	answerPending     = pollAnswer{status: http.StatusBadRequest, body: mustFixture("reconstructed/error-authorization_pending.json")}
	answerSlowDown    = pollAnswer{status: http.StatusBadRequest, body: mustFixture("error-slow_down-device_code.json")}
	answerInvalid     = pollAnswer{status: http.StatusBadRequest, body: mustFixture("error-invalid_grant-device_code.json")}
	answerThrottled   = pollAnswer{status: http.StatusTooManyRequests, body: mustFixture("error-throttled.json")}
	answerNotFound    = pollAnswer{status: http.StatusBadRequest, body: bodyDeviceCodeNotFound}
	answerMismatch    = pollAnswer{status: http.StatusBadRequest, body: bodyClientMismatch}
	answerNotAllowed  = pollAnswer{status: http.StatusBadRequest, body: mustFixture("error-unauthorized_client-token_to_token.json")}
	answerCorrective  = pollAnswer{status: http.StatusBadRequest, body: bodyCorrectiveAction}
	answerUnavailable = pollAnswer{status: http.StatusServiceUnavailable, body: []byte("<html>503 Service Temporarily Unavailable</html>")}
	answerToken       = pollAnswer{status: http.StatusOK, body: mustFixture("account-token-exchange_code.json")}
)

// fixtureDeviceCode is the device_code of account-deviceAuthorization.json.
var fixtureDeviceCode = func() string {
	var v struct {
		DeviceCode string `json:"device_code"`
	}
	if err := json.Unmarshal(mustFixture("account-deviceAuthorization.json"), &v); err != nil {
		panic(err)
	}
	return v.DeviceCode
}()

// deviceCodeFake is a fake account service for device-code logins: it
// issues client tokens, answers deviceAuthorization with the fixture, and
// answers polls with answers in turn (then pending forever), recording the
// fake-clock time of each poll.
type deviceCodeFake struct {
	cfg   *epic.Config
	clock *epictest.Clock

	mu      sync.Mutex
	answers []pollAnswer
	polls   []time.Time
	onPoll  func(n int) // called before answering poll n (1-based)
}

func newDeviceCodeFake(t *testing.T, answers ...pollAnswer) *deviceCodeFake {
	f := &deviceCodeFake{answers: answers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{
		"client_credentials": serveFixture(http.StatusOK, "account-token-client_credentials.json"),
		"device_code": func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, fixtureDeviceCode, r.PostForm.Get("device_code"))
			a := f.next()
			for k, vs := range a.header {
				w.Header()[k] = vs
			}
			reply(w, a.status, a.body)
		},
	}))
	mux.HandleFunc("POST /account/api/oauth/deviceAuthorization", func(w http.ResponseWriter, r *http.Request) {
		assertBearer(t, r, fixtureClientToken)
		assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		reply(w, http.StatusOK, mustFixture("account-deviceAuthorization.json"))
	})
	f.cfg, f.clock = newSessionConfig(t, mux)
	return f
}

func (f *deviceCodeFake) next() pollAnswer {
	f.mu.Lock()
	f.polls = append(f.polls, f.clock.Now())
	n, onPoll := len(f.polls), f.onPoll
	a := answerPending
	if len(f.answers) > 0 {
		a, f.answers = f.answers[0], f.answers[1:]
	}
	f.mu.Unlock()
	if onPoll != nil {
		onPoll(n)
	}
	return a
}

// pollTimes returns the times of the polls as offsets from start.
func (f *deviceCodeFake) pollTimes(start time.Time) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, len(f.polls))
	for i, p := range f.polls {
		out[i] = p.Sub(start)
	}
	return out
}
