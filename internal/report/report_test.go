package report

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProblem(t *testing.T) {
	var got []error
	ctx := With(context.Background(), func(err error) { got = append(got, err) })
	boom := errors.New("boom")
	Problem(ctx, boom)
	Problem(context.Background(), boom) // nobody listens: nothing happens
	assert.Equal(t, []error{boom}, got)
	assert.Equal(t, context.Background(), With(context.Background(), nil))
}
