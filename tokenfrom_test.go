package epicoauth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

type plainSource struct{ tok *oauth2.Token }

func (s plainSource) Token() (*oauth2.Token, error) { return s.tok, nil }

type ctxSource struct{ plainSource }

type ctxKey struct{}

func (s ctxSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: ctx.Value(ctxKey{}).(string)}, nil
}

func TestTokenFrom(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "from-context")
	tests := []struct {
		name    string
		src     oauth2.TokenSource
		want    string
		wantErr bool
	}{
		{"plain source uses Token", plainSource{&oauth2.Token{AccessToken: "plain"}}, "plain", false},
		{"context source uses TokenContext with ctx", ctxSource{}, "from-context", false},
		{"nil token and nil error is an error", plainSource{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := epicoauth.TokenFrom(ctx, tt.src)
			if tt.wantErr {
				require.Error(t, err)
				assert.Nil(t, tok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, tok.AccessToken)
		})
	}
}
