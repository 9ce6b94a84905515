// Package report carries, in a context, where a request reports a problem
// that does not fail it: an optional field of a token response that could
// not be used. The token source engine puts its OnError there; package wire
// reports through it.
package report

import "context"

type key struct{}

// With returns ctx carrying f; a nil f returns ctx as it is.
func With(ctx context.Context, f func(error)) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, key{}, f)
}

// Problem hands err to the func ctx carries, if any.
func Problem(ctx context.Context, err error) {
	if f, ok := ctx.Value(key{}).(func(error)); ok {
		f(err)
	}
}
